#!/usr/bin/env bash
# bench.sh [--smoke] — EmailRelay throughput and latency, side by side with Postfix on this machine.
#
#   hey (HTTP load) -> api -> PostgreSQL + RabbitMQ -> sender -> smtp-sink      (EmailRelay)
#   smtp-source (SMTP load) -> private Postfix instance -> smtp-sink            (the peer)
#
# Both deliver into Postfix's smtp-sink on loopback, which exits after N messages: the time from
# the first request to that exit is the end-to-end figure. Durability stays on everywhere:
# synchronous_commit on, publisher confirms, a quorum queue; Postfix fsyncs each queue file.
# Prints one table (EmailRelay, Postfix, ratio) and writes it as JSON under bench/results/.
#
#   --smoke        N=200/100, no peer, no warm-up: checks the benchmark still works (CI runs it)
#   N2K (20000), N20K (10000)  emails per run;  CONC (32) concurrent single POSTs;
#   BATCH_CONC (4) concurrent /batch calls of 100;  PF_CONC (20) smtp-source sessions;
#   PEER=0 skips the Postfix runs (while profiling EmailRelay alone).
#   The peer's throughput runs go first, before any EmailRelay process starts, so Postfix is
#   measured at its best. The latency rows come from a separate, paced pass on each side: 2 KB
#   single sends offered at Postfix's accepted rate (PACE_RATE overrides it; without the peer the
#   pass needs PACE_RATE) for PACE_SECONDS (20) from PACE_CONC (64) connections, open loop
#   (bench/paced.py).
#   DKIM=0 sends unsigned: by default the benchmark's sending domain (relay.bench) is a verified
#   sending domain with an active key, so every message is DKIM-signed at send time and every
#   accept checks the from domain (Senders__RequireVerifiedDomain=true).
#   SUBMISSION=0 skips the SMTP submission run: the same 2 KB messages through the api's SMTP
#   listener (STARTTLS + AUTH apikey, SUB_CONC (32) connections, bench/smtp_submit.py), reported
#   beside the HTTP runs.
#   WEBHOOKS=0 skips the webhook run: the 2 KB single run again with an endpoint subscribed to
#   every event on a local receiver (bench/webhook-sink.mjs), reporting webhook deliveries/s and
#   the end-to-end rate beside the run without it.
#   RUNS=single.2k,batch.2k,...  only these runs (single.2k single.20k batch.2k batch.20k smtp
#   paced webhooks), e.g. to profile one path; the table then has only their rows.
#   SOAK_MINUTES=30 SOAK_RATE=400  instead of the runs: the long run (bench/soak.sh), one line
#   per minute, written to bench/results/soak-*.txt.
#   APIS (1), SENDERS (1)  processes of each: the scale-out run. With APIS=2 every HTTP run splits
#   its requests and its concurrency evenly over the api processes (one hey per process).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SMOKE=""; [ "${1:-}" = "--smoke" ] && SMOKE=1
N2K=${N2K:-20000}; N20K=${N20K:-10000}
[ -n "$SMOKE" ] && { N2K=200; N20K=100; }
CONC=${CONC:-32}; BATCH_CONC=${BATCH_CONC:-4}; PF_CONC=${PF_CONC:-20}
API_PORT=${API_PORT:-18180}; SENDER_PORT=${SENDER_PORT:-18181}; TRACKING_PORT=${TRACKING_PORT:-18182}
SINK_PORT=${SINK_PORT:-12525}; PF_PORT=${PF_PORT:-10025}; HOOK_PORT=${HOOK_PORT:-18199}
SUB_PORT=${SUB_PORT:-12587}; SUB_CONC=${SUB_CONC:-32}
APIS=${APIS:-1}; SENDERS=${SENDERS:-1}
PACE_SECONDS=${PACE_SECONDS:-20}; PACE_CONC=${PACE_CONC:-64}
[ -n "$SMOKE" ] && PACE_SECONDS=2
RUN=$ROOT/.run/bench
OUT=$ROOT/bench/results
KEY=er_bench_0123456789abcdefghijklmnopqrstuv
DB=relay_bench; VHOST=relay-bench
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bench] %s\n' "$*" >&2; }
want() { [ -z "${RUNS:-}" ] || [[ ",$RUNS," == *",$1,"* ]]; }
fail() { log "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.4f\", $* }"; }
result() { echo "$1 $2" >> "$RUN/results"; }

# ------------------------------------------------------------------ install and build
bash scripts/deps.sh
need=()
command -v smtp-sink >/dev/null || need+=(postfix)
command -v hey >/dev/null || need+=(hey)
command -v python3 >/dev/null || need+=(python3)
command -v psql >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string localhost" | debconf-set-selections
  apt-get update -q >/dev/null; apt-get install -y -q "${need[@]}" >/dev/null
fi
PY=$(command -v python3)
for p in "$API_PORT" "$SENDER_PORT" "$TRACKING_PORT" "$SINK_PORT" "$PF_PORT" "$SUB_PORT"; do
  ss -ltn "( sport = :$p )" | grep -q LISTEN && fail "port $p is in use"
done

log "building Release"
for project in services/EmailRelay.Api services/EmailRelay.Sender services/EmailRelay.Tracking; do
  dotnet build "$project" -c Release -nologo -clp:NoSummary -v quiet
done
bin() { echo "$ROOT/services/$1/bin/Release/net10.0/$1.dll"; }

rm -rf "$RUN"; mkdir -p "$RUN/logs" "$OUT"
: > "$RUN/results"
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done; kill -KILL "$pid" 2>/dev/null; done
  if [ -f "$RUN/postfix/spool/pid/master.pid" ]; then postfix -c "$RUN/postfix/etc" stop >/dev/null 2>&1; fi
  [ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for size in 2048 20480; do "$PY" bench/make_bodies.py "$size" "$RUN"; done

# ------------------------------------------------------------------ shared helpers
start_sink() { # stop after $1 messages
  smtp-sink -u postfix -M "$1" "127.0.0.1:$SINK_PORT" 1000 >/dev/null 2>&1 &
  SINK_PID=$!
  for _ in $(seq 1 50); do ss -ltn "( sport = :$SINK_PORT )" | grep -q LISTEN && return 0; sleep 0.1; done
  fail "smtp-sink did not start"
}
wait_sink() { # seconds -> 0 when the sink has counted its messages and exited
  local end=$(( $(date +%s) + $1 ))
  while kill -0 "$SINK_PID" 2>/dev/null; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.02; done
  wait "$SINK_PID" 2>/dev/null || true
}
ticks() { # total utime+stime (+ reaped children with "children") of the given pids, in clock ticks
  local sum=0 fields
  for pid in "$@"; do
    fields=$(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat" 2>/dev/null) || continue
    sum=$(( sum + ${fields:-0} ))
  done
  echo "$sum"
}
HZ=$(getconf CLK_TCK)
pg_pids() { pgrep -u postgres | tr '\n' ' '; }
rabbit_pids() { pgrep -f beam.smp | tr '\n' ' '; }

# ------------------------------------------------------------------ the peer: Postfix, alone
PEER_RUNS=""; [ -z "$SMOKE" ] && [ "${PEER:-1}" = 1 ] && PEER_RUNS=1
if [ -n "$PEER_RUNS" ]; then
  bash bench/peer-postfix.sh "$RUN" "$PF_PORT" "$SINK_PORT" "$N2K" "$N20K" "$PF_CONC" >> "$RUN/results"
fi
PACE_RATE=${PACE_RATE:-$(awk '$1 == "pf.2k.accept_rate" {printf "%d", $2}' "$RUN/results")}
[ -z "$PACE_RATE" ] && [ -n "$SMOKE" ] && PACE_RATE=50

# ------------------------------------------------------------------ EmailRelay
psql_admin() { PGPASSWORD=relay psql -h 127.0.0.1 -U relay -d relay -qtAc "$1"; }
# Checkpoints spread out as an operator of a write-heavy database would set them (README,
# Operating notes): with the defaults (max_wal_size 1 GB, checkpoint_timeout 5 min) this load
# checkpoints every 2.7 minutes, and after each one every first change of a page is written whole
# to the WAL again. All three are reloaded without a restart; the setup line states them.
PG_SETTINGS=${PG_SETTINGS:-max_wal_size=8GB checkpoint_timeout=15min wal_compression=lz4}
for setting in $PG_SETTINGS; do
  su postgres -c "psql -qtAc \"ALTER SYSTEM SET ${setting%%=*} = '${setting#*=}'\"" >/dev/null || fail "cannot set PostgreSQL's $setting (run as root)"
done
su postgres -c "psql -qtAc 'SELECT pg_reload_conf()'" >/dev/null
pg_settings_line() { local s out=""; for s in $PG_SETTINGS; do out+=" ${s%%=*}=$(psql_admin "SHOW ${s%%=*}")"; done; echo "${out# }"; }
# An autovacuum worker still in the last run's database cannot be ended by the relay role: retry.
for _ in 1 2 3 4 5; do psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null && break; sleep 2; done
psql_admin "CREATE DATABASE $DB"
rabbitmqctl -q delete_vhost "$VHOST" >/dev/null 2>&1 || true
rabbitmqctl -q add_vhost "$VHOST" >/dev/null
rabbitmqctl -q set_permissions -p "$VHOST" guest ".*" ".*" ".*" >/dev/null

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=5432;Username=relay;Password=relay;Database=$DB;SSL Mode=Disable"
# Npgsql's pools allow 100 connections per process by default, and the processes together would
# pass the server's max_connections (100 here) under load: each gets its share of 80 (a soak at
# 520/s from 64 connections once ran the server out, 53300, and the api answered 503).
ConnectionStrings__Postgres+=";Maximum Pool Size=$(( 80 / (APIS + SENDERS + 1) ))"
export RabbitMq__Host=127.0.0.1 RabbitMq__VirtualHost=$VHOST Auth__BootstrapKey=$KEY
export Delivery__Smarthost__Host=127.0.0.1 Delivery__Smarthost__Port=$SINK_PORT Delivery__Smarthost__Tls=none
export Logging__LogLevel__Default=Warning
# The same number of connections to the sink as the peer's Postfix (default_destination_concurrency_limit
# = 50 in bench/peer-postfix.sh), and consumers enough to keep them busy while others wait on
# PostgreSQL; the defaults (20 connections, 32 consumers) left the sender waiting, not working.
export Delivery__Smarthost__MaxConnections=${SMARTHOST_CONNECTIONS:-50} Sender__ConcurrentDeliveries=${SENDER_CONSUMERS:-64}
# Throughput is measured, not the limits: set them out of reach. The bucket is still checked on
# every send, so its cost is in the figures.
export RateLimits__PerSecond=1000000 RateLimits__Burst=1000000 RateLimits__ConcurrentRequestsPerKey=1024
# The webhook receiver is on loopback: a private address, refused unless allowed.
export Webhooks__AllowPrivateNetworks=true
# Sending domains: a key sealed under this run's master key; the accept check on unless DKIM=0.
Dkim__MasterKey=$(head -c 32 /dev/urandom | base64)
export Dkim__MasterKey
export Senders__RequireVerifiedDomain=$([ "${DKIM:-1}" = 1 ] && echo true || echo false)
# SMTP submission on loopback (STARTTLS only), with a certificate made for this run.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$RUN/submission-key.pem" \
  -out "$RUN/submission-cert.pem" 2>/dev/null || fail "openssl could not make the submission certificate"
export Submission__Port=$SUB_PORT Submission__ImplicitTlsPort=0 Submission__ListenAddress=127.0.0.1 \
  Submission__CertificatePath=$RUN/submission-cert.pem Submission__KeyPath=$RUN/submission-key.pem \
  Submission__MaxConnectionsPerAddress=$(( SUB_CONC + 8 ))
dotnet "$(bin EmailRelay.Api)" migrate >/dev/null

declare -A SERVICE_PID
API_PORTS=(); SERVICE_PORTS=()
launch() { # service port instance
  local name=$1$([ "$3" -gt 1 ] && echo "$3")
  ASPNETCORE_URLS=http://127.0.0.1:$2 Submission__Port=$(( SUB_PORT + $3 - 1 )) \
    nohup dotnet "$(bin "EmailRelay.${1^}")" > "$RUN/logs/$name.log" 2>&1 &
  SERVICE_PID[$name]=$!; PIDS+=($!); SERVICE_PORTS+=("$2")
}
# Extra processes listen 10 ports above the previous one of their kind.
for i in $(seq 1 "$APIS"); do launch api $(( API_PORT + 10 * (i - 1) )) "$i"; API_PORTS+=($(( API_PORT + 10 * (i - 1) ))); done
for i in $(seq 1 "$SENDERS"); do launch sender $(( SENDER_PORT + 10 * (i - 1) )) "$i"; done
launch tracking "$TRACKING_PORT" 1
for port in "${SERVICE_PORTS[@]}"; do
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || fail "service on :$port not ready (logs in $RUN/logs)"
done
[ "$(psql_admin 'SHOW synchronous_commit')" = on ] || fail "synchronous_commit is not on"
RELAY_PIDS="${SERVICE_PID[*]}"
service_pids() { local n; for n in "${!SERVICE_PID[@]}"; do [[ $n == "$1"* ]] && echo "${SERVICE_PID[$n]}"; done; true; }

if [ "${DKIM:-1}" = 1 ]; then
  # The API makes the domain and its key (RSA 2048, sealed); no DNS serves relay.bench here, so the
  # domain is marked verified in the database, as a verify that found its records would.
  curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$API_PORT/v1/domains" \
    -d '{"name": "relay.bench"}' >/dev/null || fail "could not add the sending domain relay.bench"
  PGPASSWORD=relay psql -h 127.0.0.1 -U relay -d "$DB" -qtAc "
    UPDATE sending_domains SET status = 'verified', verified_at = now() WHERE name = 'relay.bench';
    UPDATE dkim_keys SET state = 'active', activated_at = now() WHERE domain_id = (SELECT id FROM sending_domains WHERE name = 'relay.bench')" >/dev/null
  log "DKIM signing on: relay.bench is a verified sending domain with an active key"
fi

open_recipients() { PGPASSWORD=relay psql -h 127.0.0.1 -U relay -d "$DB" -qtAc \
  "SELECT count(*) FROM recipients WHERE status NOT IN ('delivered','bounced','failed','suppressed')"; }

relay_run() { # name path body emails emails-per-request concurrency
  local name=$1 path=$2 body=$3 emails=$4 per=$5 conc=$6 requests
  requests=$(( emails / per ))
  [ "$conc" -gt "$requests" ] && conc=$requests
  # hey gives each worker n/c requests, so n must be a multiple of c for exactly n to be sent.
  requests=$(( requests / conc * conc )); emails=$(( requests * per ))
  [ $(( conc % APIS )) = 0 ] || fail "CONC $conc does not split evenly over $APIS api processes"
  start_sink "$emails"
  local pg0 rb0 er0 t0 t1 t2 pgp rbp
  pgp=$(pg_pids); rbp=$(rabbit_pids)
  pg0=$(ticks $pgp); rb0=$(ticks $rbp); er0=$(ticks $RELAY_PIDS)
  local kind; declare -A kind0; for kind in api sender tracking; do kind0[$kind]=$(ticks $(service_pids "$kind")); done
  t0=$(now); RUN_T0=$t0
  local port heys=()
  for port in "${API_PORTS[@]}"; do
    hey -n $(( requests / APIS )) -c $(( conc / APIS )) -m POST -T application/json -H "Authorization: Bearer $KEY" -D "$body" -t 60 \
      -o csv "http://127.0.0.1:$port$path" > "$RUN/$name.$port.csv" &
    heys+=($!)
  done
  wait "${heys[@]}"
  t1=$(now)
  wait_sink 600 || fail "$name: the sink did not receive $emails messages in 600 s ($(open_recipients) recipients still open)"
  t2=$(now)
  local pg1 rb1 er1; pg1=$(ticks $pgp); rb1=$(ticks $rbp); er1=$(ticks $RELAY_PIDS)
  read -r n ok p50 p99 max < <("$PY" bench/latency.py "$RUN/$name".*.csv)
  [ "$ok" = "$requests" ] || fail "$name: $ok of $requests requests answered 2xx"
  result "er.$name.emails" "$emails"
  result "er.$name.accept_rate" "$(calc "$emails / ($t1 - $t0)")"
  result "er.$name.e2e_rate" "$(calc "$emails / ($t2 - $t0)")"
  result "er.$name.p50" "$p50"; result "er.$name.p99" "$p99"; result "er.$name.max" "$max"
  result "er.$name.pg_cpu" "$(calc "($pg1 - $pg0) / $HZ / ($t2 - $t0)")"
  result "er.$name.rabbit_cpu" "$(calc "($rb1 - $rb0) / $HZ / ($t2 - $t0)")"
  result "er.$name.relay_cpu" "$(calc "($er1 - $er0 + $pg1 - $pg0 + $rb1 - $rb0) / $HZ / ($t2 - $t0)")"
  result "er.$name.cpu_ms_per_email" "$(calc "($er1 - $er0 + $pg1 - $pg0 + $rb1 - $rb0) * 1000 / $HZ / $emails")"
  # Where each delivered email's CPU goes, per kind of process (for the per-core figures).
  result "er.$name.cpu_ms.postgres" "$(calc "($pg1 - $pg0) * 1000 / $HZ / $emails")"
  result "er.$name.cpu_ms.rabbitmq" "$(calc "($rb1 - $rb0) * 1000 / $HZ / $emails")"
  for kind in api sender tracking; do
    result "er.$name.cpu_ms.$kind" "$(calc "($(ticks $(service_pids "$kind")) - ${kind0[$kind]}) * 1000 / $HZ / $emails")"
  done
  log "$(printf '%-10s %6s emails: accepted %8.0f/s  delivered %8.0f/s  p50 %7s ms  p99 %7s ms' "$name" "$emails" \
    "$(calc "$emails / ($t1 - $t0)")" "$(calc "$emails / ($t2 - $t0)")" "$p50" "$p99")"
  # Let stragglers (duplicates the sink refused after its count) settle before the next run.
  for _ in $(seq 1 100); do [ "$(open_recipients)" = 0 ] && break; sleep 0.1; done
}

if [ -n "${SOAK_MINUTES:-}" ]; then
  source bench/soak.sh
  exit 0
fi

if [ -z "$SMOKE" ]; then
  log "warm-up (not measured)"
  relay_run warmup /v1/emails "$RUN/email-2048.json" 1024 1 "$CONC"
fi
want single.2k && relay_run single.2k /v1/emails "$RUN/email-2048.json" "$N2K" 1 "$CONC"
want single.20k && relay_run single.20k /v1/emails "$RUN/email-20480.json" "$N20K" 1 "$CONC"
want batch.2k && relay_run batch.2k /v1/emails/batch "$RUN/batch-2048.json" "$N2K" 100 "$BATCH_CONC"
want batch.20k && relay_run batch.20k /v1/emails/batch "$RUN/batch-20480.json" "$N20K" 100 "$BATCH_CONC"

# SMTP submission: the 2 KB message over authenticated SMTP, end to end into the same sink. The
# driver is bench/smtp_submit.py (Python's smtplib in a process pool; why not a packaged tool: there).
sub_run() { # name size emails
  local name=$1 size=$2 emails=$3
  start_sink "$emails"
  local pg0 rb0 er0 t0 t1 t2 pgp rbp
  pgp=$(pg_pids); rbp=$(rabbit_pids)
  pg0=$(ticks $pgp); rb0=$(ticks $rbp); er0=$(ticks $RELAY_PIDS)
  t0=$(now)
  read -r n ok p50 p99 max < <("$PY" bench/smtp_submit.py 127.0.0.1 "$SUB_PORT" "$KEY" "$emails" "$SUB_CONC" "$size" "$RUN/$name.lat" \
    2> "$RUN/logs/$name.err") || { tail -n 5 "$RUN/logs/$name.err" >&2; fail "$name: the SMTP driver failed"; }
  t1=$(now)
  [ "$ok" = "$emails" ] || { tail -n 5 "$RUN/logs/$name.err" >&2; fail "$name: $ok of $emails messages answered 250"; }
  wait_sink 600 || fail "$name: the sink did not receive $emails messages in 600 s ($(open_recipients) recipients still open)"
  t2=$(now)
  local pg1 rb1 er1; pg1=$(ticks $pgp); rb1=$(ticks $rbp); er1=$(ticks $RELAY_PIDS)
  result "er.$name.emails" "$emails"
  result "er.$name.accept_rate" "$(calc "$emails / ($t1 - $t0)")"
  result "er.$name.e2e_rate" "$(calc "$emails / ($t2 - $t0)")"
  result "er.$name.p50" "$p50"; result "er.$name.p99" "$p99"; result "er.$name.max" "$max"
  result "er.$name.relay_cpu" "$(calc "($er1 - $er0 + $pg1 - $pg0 + $rb1 - $rb0) / $HZ / ($t2 - $t0)")"
  log "$(printf '%-10s %6s emails: accepted %8.0f/s  delivered %8.0f/s  p50 %7s ms  p99 %7s ms (SMTP, %s connections)' "$name" "$emails" \
    "$(calc "$emails / ($t1 - $t0)")" "$(calc "$emails / ($t2 - $t0)")" "$p50" "$p99" "$SUB_CONC")"
  for _ in $(seq 1 100); do [ "$(open_recipients)" = 0 ] && break; sleep 0.1; done
}
if [ "${SUBMISSION:-1}" = 1 ] && want smtp; then
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SUB_PORT" 2>/dev/null \
    || fail "the api does not listen for SMTP submission on 127.0.0.1:$SUB_PORT (see $RUN/logs)"
  sub_run smtp.2k 2048 "$N2K"
fi

# The latency pass: single 2 KB POSTs offered at the peer's accepted rate, open loop.
if [ -n "$PACE_RATE" ] && want paced; then
  paced_emails=$(awk "BEGIN { printf \"%d\", $PACE_RATE * $PACE_SECONDS }")
  start_sink "$paced_emails"
  read -r sent ok p50 p99 max late < <("$PY" bench/paced.py http 127.0.0.1 "$API_PORT" "$PACE_RATE" "$PACE_SECONDS" "$PACE_CONC" \
    "$RUN/email-2048.json" "$KEY" 2> "$RUN/logs/paced.err") || { tail -n 5 "$RUN/logs/paced.err" >&2; fail "paced: the driver failed"; }
  [ "$ok" = "$sent" ] || { tail -n 5 "$RUN/logs/paced.err" >&2; fail "paced: $ok of $sent requests answered 2xx"; }
  wait_sink 600 || fail "paced: the sink did not receive $paced_emails messages in 600 s"
  result er.paced.rate "$PACE_RATE"; result er.paced.n "$sent"; result er.paced.late "$late"
  result er.paced.p50 "$p50"; result er.paced.p99 "$p99"; result er.paced.max "$max"
  log "$(printf 'paced      %6s emails at %s/s: p50 %7s ms  p99 %7s ms  max %7s ms (%s sent late)' "$sent" "$PACE_RATE" "$p50" "$p99" "$max" "$late")"
  for _ in $(seq 1 100); do [ "$(open_recipients)" = 0 ] && break; sleep 0.1; done
fi

if [ "${WEBHOOKS:-1}" = 1 ] && want webhooks; then
  node bench/webhook-sink.mjs "$HOOK_PORT" > "$RUN/logs/webhook-sink.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$HOOK_PORT/count" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$API_PORT/v1/webhooks" \
    -d "{\"url\": \"http://127.0.0.1:$HOOK_PORT/hook\", \"event_types\": [\"queued\", \"delivered\", \"deferred\", \"bounced\", \"failed\"]}" \
    >/dev/null || fail "could not register the benchmark's webhook endpoint"
  relay_run single.2k.webhooks /v1/emails "$RUN/email-2048.json" "$N2K" 1 "$CONC"
  # Every email makes two events (queued, delivered), each one delivery to the endpoint.
  expected=$(( 2 * $(awk '$1 == "er.single.2k.webhooks.emails" {print $2}' "$RUN/results") ))
  end=$(( $(date +%s) + 600 ))
  until [ "$(curl -fsS "http://127.0.0.1:$HOOK_PORT/count")" -ge "$expected" ]; do
    [ "$(date +%s)" -ge "$end" ] && fail "webhooks: the receiver got $(curl -fsS "http://127.0.0.1:$HOOK_PORT/count") of $expected deliveries in 600 s"
    sleep 0.05
  done
  t3=$(now)
  result er.webhooks.deliveries "$expected"
  result er.webhooks.rate "$(calc "$expected / ($t3 - $RUN_T0)")"
  log "$(printf 'webhooks   %6s deliveries to one endpoint: %8.0f/s, from the first POST to the last delivery' "$expected" "$(calc "$expected / ($t3 - $RUN_T0)")")"
fi

total=0
for name in "${!SERVICE_PID[@]}"; do
  kb=$(awk '/VmHWM/ {print $2}' "/proc/${SERVICE_PID[$name]}/status")
  result "er.rss.$name" "$(calc "$kb / 1024")"; total=$(( total + kb ))
done
result er.rss.total "$(calc "$total / 1024")"
cleanup; PIDS=()

# ------------------------------------------------------------------ the peer's latency pass
if [ -n "$PEER_RUNS" ] && want paced; then
  bash bench/peer-postfix.sh "$RUN" "$PF_PORT" "$SINK_PORT" "$N2K" "$N20K" "$PF_CONC" "$PACE_RATE" "$PACE_SECONDS" "$PACE_CONC" >> "$RUN/results"
fi

# ------------------------------------------------------------------ report
{
  echo "date $(date -u +%FT%TZ)"
  echo "machine $(nproc)-core $(uname -m), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "setup api x$APIS, sender x$SENDERS ($Sender__ConcurrentDeliveries consumers, $Delivery__Smarthost__MaxConnections connections to the sink each), tracking x1, PostgreSQL pool $(( 80 / (APIS + SENDERS + 1) )) per process; N=$N2K (2 KB) / $N20K (20 KB), hey c=$CONC single / c=$BATCH_CONC batch, smtp-source c=$PF_CONC; PostgreSQL $(psql_admin 'SHOW server_version') synchronous_commit=on $(pg_settings_line); RabbitMQ quorum queue, publisher confirms; Postfix $(postconf -h mail_version 2>/dev/null)"
  echo "mode $([ -n "$SMOKE" ] && echo smoke || echo full)"
} >> "$RUN/results"
json="$OUT/$(date -u +%Y%m%dT%H%M%SZ)$([ -n "$SMOKE" ] && echo -smoke).json"
"$PY" bench/report.py "$RUN/results" "$json"
