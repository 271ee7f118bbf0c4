#!/usr/bin/env bash
# peer-postfix.sh RUN PF_PORT SINK_PORT N2K N20K CONC [RATE SECONDS PACE_CONC] — the peer of
# scripts/bench.sh.
#
#   smtp-source -> private Postfix instance on 127.0.0.1:PF_PORT -> smtp-sink on 127.0.0.1:SINK_PORT
#
# Builds a throw-away Postfix instance under RUN/postfix (the system Postfix is not touched) and
# prints 'key value' result lines on stdout. Postfix fsyncs every queue file before answering 250,
# so both sides of the comparison are durable.
#   Without RATE: relays N messages of 2 KB and of 20 KB with nothing else running beside it
#   (Postfix at its best): accepted/s (what smtp-source got '250 queued' for), delivered/s
#   (received by the sink), peak RSS and CPU of the instance.
#   With RATE: the latency pass, on its own: 2 KB messages offered at RATE per second for SECONDS
#   from PACE_CONC connections (bench/paced.py, open loop), relayed into the sink like the others:
#   the latency of one SMTP transaction (MAIL..250 queued) at that rate.
set -euo pipefail
RUN=$1 PF_PORT=$2 SINK_PORT=$3 N2K=$4 N20K=$5 CONC=$6 RATE=${7:-} SECONDS_PACED=${8:-} PACE_CONC=${9:-}
WORK=$RUN/postfix
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(command -v python3)
log() { printf '[peer] %s\n' "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.4f\", $* }"; }

rm -rf "$WORK"; mkdir -p "$WORK/etc" "$WORK/spool" "$WORK/data"
chown postfix:postfix "$WORK/data"
cp /etc/postfix/master.cf "$WORK/etc/master.cf"
cat > "$WORK/etc/main.cf" <<CONF
compatibility_level = 3.7
queue_directory = $WORK/spool
data_directory = $WORK/data
meta_directory = /etc/postfix
syslog_name = peerbench
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
myhostname = peer.bench
mydomain = bench
myorigin = \$myhostname
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
biff = no
append_dot_mydomain = no
relayhost = [127.0.0.1]:$SINK_PORT
default_destination_concurrency_limit = 50
default_process_limit = 200
in_flow_delay = 0
CONF
postconf -c "$WORK/etc" -F '*/*/chroot = n'
postconf -c "$WORK/etc" -MX smtp/inet
postconf -c "$WORK/etc" -M "127.0.0.1:$PF_PORT/inet = 127.0.0.1:$PF_PORT inet n - n - - smtpd"
postfix -c "$WORK/etc" check
postfix -c "$WORK/etc" start >/dev/null 2>&1
for _ in $(seq 1 100); do ss -ltn "( sport = :$PF_PORT )" | grep -q LISTEN && break; sleep 0.1; done
MASTER=$(awk '{print $1}' "$WORK/spool/pid/master.pid")
trap 'postfix -c "$WORK/etc" stop >/dev/null 2>&1 || true' EXIT
log "Postfix $(postconf -h mail_version) instance on 127.0.0.1:$PF_PORT (in_flow_delay=0, relay concurrency 50)"

instance_pids() { echo "$MASTER $(pgrep -P "$MASTER" | tr '\n' ' ')"; }
# master's own time plus its reaped children's (fields 16, 17) plus the live children's
ticks() { local sum=0 v; for pid in $(instance_pids); do v=$(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat" 2>/dev/null) || continue; sum=$(( sum + ${v:-0} )); done; echo "$sum"; }
rss_kb() { local sum=0 v; for pid in $(instance_pids); do v=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue; sum=$(( sum + ${v:-0} )); done; echo "$sum"; }
PEAK=0
sample_rss() { while :; do local r; r=$(rss_kb); [ "$r" -gt "$(cat "$WORK/peak" 2>/dev/null || echo 0)" ] && echo "$r" > "$WORK/peak"; sleep 0.2; done; }
sample_rss & SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null; postfix -c "$WORK/etc" stop >/dev/null 2>&1 || true' EXIT
HZ=$(getconf CLK_TCK)

relay_run() { # name emails size
  local name=$1 n=$2 size=$3 sink t0 t1 t2 c0 c1
  smtp-sink -u postfix -M "$n" "127.0.0.1:$SINK_PORT" 1000 >/dev/null 2>&1 & sink=$!
  for _ in $(seq 1 50); do ss -ltn "( sport = :$SINK_PORT )" | grep -q LISTEN && break; sleep 0.1; done
  c0=$(ticks); t0=$(now)
  smtp-source -s "$CONC" -l "$size" -m "$n" -f bench@relay.bench -t sink@sink.bench "127.0.0.1:$PF_PORT"
  t1=$(now)
  wait_for_sink "$name" "$sink"
  t2=$(now); c1=$(ticks)
  echo "pf.$name.accept_rate $(calc "$n / ($t1 - $t0)")"
  echo "pf.$name.e2e_rate $(calc "$n / ($t2 - $t0)")"
  echo "pf.$name.relay_cpu $(calc "($c1 - $c0) / $HZ / ($t2 - $t0)")"
  echo "pf.$name.cpu_ms_per_email $(calc "($c1 - $c0) * 1000 / $HZ / $n")"
  log "$(printf '%-6s %6s msgs: accepted %8.0f/s  delivered %8.0f/s' "$name" "$n" "$(calc "$n / ($t1 - $t0)")" "$(calc "$n / ($t2 - $t0)")")"
  drain
}
wait_for_sink() { # name pid
  local end=$(( $(date +%s) + 600 ))
  while kill -0 "$2" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.02; done
  kill -0 "$2" 2>/dev/null && { log "$1: sink timeout"; kill "$2"; }
  return 0
}
drain() { # what is left (a few deferred when the sink closed at its count)
  for _ in $(seq 1 200); do [ "$(find "$WORK/spool/incoming" "$WORK/spool/active" -type f | wc -l)" -eq 0 ] && break; sleep 0.1; done
  postsuper -c "$WORK/etc" -d ALL deferred >/dev/null 2>&1 || true
}

if [ -n "$RATE" ]; then
  n=$(awk "BEGIN { printf \"%d\", $RATE * $SECONDS_PACED }")
  smtp-sink -u postfix -M "$n" "127.0.0.1:$SINK_PORT" 1000 >/dev/null 2>&1 & sink=$!
  for _ in $(seq 1 50); do ss -ltn "( sport = :$SINK_PORT )" | grep -q LISTEN && break; sleep 0.1; done
  read -r sent ok p50 p99 max late < <("$PY" "$HERE/paced.py" smtp 127.0.0.1 "$PF_PORT" "$RATE" "$SECONDS_PACED" "$PACE_CONC" 2048 \
    2> "$WORK/paced.err")
  wait_for_sink paced "$sink"
  [ "$ok" = "$sent" ] || log "paced: $ok of $sent transactions answered 250 ($(tail -n 1 "$WORK/paced.err"))"
  echo "pf.paced.rate $RATE"; echo "pf.paced.n $sent"; echo "pf.paced.ok $ok"; echo "pf.paced.late $late"
  echo "pf.paced.p50 $p50"; echo "pf.paced.p99 $p99"; echo "pf.paced.max $max"
  log "$(printf 'paced  %6s msgs at %s/s: p50 %7s ms  p99 %7s ms  max %7s ms (%s sent late)' "$sent" "$RATE" "$p50" "$p99" "$max" "$late")"
  drain
  exit 0
fi

relay_run warmup 1000 2048 >/dev/null
relay_run 2k "$N2K" 2048
relay_run 20k "$N20K" 20480
echo "pf.rss.total $(calc "$(cat "$WORK/peak") / 1024")"
