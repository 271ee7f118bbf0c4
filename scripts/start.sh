#!/usr/bin/env bash
# start.sh — run EmailRelay on this machine: provision PostgreSQL and RabbitMQ, build, migrate, start
# api(s), sender(s) and tracking in the background, send a real email through the API and print its
# tracking record. Logs go to .run/logs/ (git-ignored); .run/pids holds one "PID NAME" line per
# process (api, api-2, …, sender, sender-2, …, tracking, catcher); scripts/stop.sh stops them all,
# or only those it is given by name.
#
# Any configuration key can be given as an environment variable (Section__Key) and reaches the
# services, e.g. Delivery__Smarthost__Host=smtp.example.net Delivery__Smarthost__Tls=required.
# Without a configured smarthost, a local SMTP catcher (tools/EmailRelay.DevSmtp) receives the mail
# and keeps each message under .run/mail/.
#   EMAILRELAY_APIS (1), EMAILRELAY_SENDERS (1): how many of each to run.
#   Ports, one block after the other: APIs from API_PORT (8080) up, then the senders from
#   SENDER_PORT (the port after the last API) up, then TRACKING_PORT (the port after the last
#   sender); CATCHER_PORT (2525). The defaults give 8080, 8081, 8082, as with one of each.
#   CONFIGURATION (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.run
CONFIGURATION=${CONFIGURATION:-Release}
APIS=${EMAILRELAY_APIS:-1}
SENDERS=${EMAILRELAY_SENDERS:-1}
API_PORT=${API_PORT:-8080}
SENDER_PORT=${SENDER_PORT:-$((API_PORT + APIS))}
TRACKING_PORT=${TRACKING_PORT:-$((SENDER_PORT + SENDERS))}
CATCHER_PORT=${CATCHER_PORT:-2525}
BOUNCE_PORT=${BOUNCE_PORT:-${Bounces__Port:-2526}}   # tracking's bounce listener (SMTP), when Bounces__Domain is set
API_URL="http://127.0.0.1:$API_PORT"

log() { printf '[start] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

for n in "$APIS" "$SENDERS"; do
  case "$n" in ''|*[!0-9]*|0) fail "EMAILRELAY_APIS and EMAILRELAY_SENDERS are whole numbers from 1 (got '$n')";; esac
done

# Every process this run starts, in start order, and its port; "api" is the one the test email and
# the printed URL use.
NAMES=(); declare -A PORTS=()
add() { NAMES+=("$1"); PORTS[$1]=$2; }
numbered() { if [ "$2" = 1 ]; then echo "$1"; else echo "$1-$2"; fi; }   # api, api-2, api-3, …
[ -z "${Delivery__Smarthost__Host:-}" ] && add catcher "$CATCHER_PORT"
for i in $(seq 1 "$APIS"); do add "$(numbered api "$i")" $((API_PORT + i - 1)); done
for i in $(seq 1 "$SENDERS"); do add "$(numbered sender "$i")" $((SENDER_PORT + i - 1)); done
add tracking "$TRACKING_PORT"
# Not a process of its own, but a port tracking takes: checked with the others.
[ "${Bounces__Domain-bounces.localhost}" != "" ] && PORTS[bounces]=$BOUNCE_PORT
# Nor are the API's SMTP submission ports (the first API takes them; with more APIs see below).
[ "${Submission__Port:-2587}" != 0 ] && PORTS[submission]=${Submission__Port:-2587}
[ "${Submission__ImplicitTlsPort:-2465}" != 0 ] && PORTS[submission-tls]=${Submission__ImplicitTlsPort:-2465}

# A port already taken is refused before anything starts, naming it: otherwise whatever holds it
# answers the readiness check in place of the new process, whose crash then goes unnoticed.
check_ports() {
  local name port holder taken="" seen=" "
  for name in "${!PORTS[@]}"; do
    port=${PORTS[$name]}
    case "$port" in ''|*[!0-9]*) fail "port '$port' for $name is not a number";; esac
    case "$seen" in *" $port "*) fail "port $port is given twice: API_PORT, SENDER_PORT, TRACKING_PORT, CATCHER_PORT or BOUNCE_PORT overlap";; esac
    seen="$seen$port "
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      holder=$(command -v ss >/dev/null && ss -Hltnp "sport = :$port" 2>/dev/null \
        | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/ by \1 (pid \2)/p' | head -n 1 || true)
      taken="$taken
  port $port, needed for $name, is already in use$holder"
    fi
  done
  [ -z "$taken" ] || fail "cannot start:$taken
stop what holds it, or choose other ports (API_PORT, SENDER_PORT, TRACKING_PORT, CATCHER_PORT, BOUNCE_PORT,
Submission__Port, Submission__ImplicitTlsPort)"
}

[ -f "$RUN/pids" ] && { log "stopping the previous run first"; bash scripts/stop.sh; }
check_ports
mkdir -p "$RUN/logs"

bash scripts/deps.sh

log "building ($CONFIGURATION)"
for project in services/EmailRelay.Api services/EmailRelay.Sender services/EmailRelay.Tracking tools/EmailRelay.DevSmtp; do
  dotnet build "$project" -c "$CONFIGURATION" -nologo -clp:NoSummary -v quiet
done
bin() { echo "$ROOT/$1/bin/$CONFIGURATION/net10.0/$(basename "$1").dll"; }

# Defaults for a local run; anything already in the environment wins.
export ConnectionStrings__Postgres=${ConnectionStrings__Postgres:-"Host=127.0.0.1;Port=5432;Username=relay;Password=relay;Database=relay;SSL Mode=Disable"}
export RabbitMq__Host=${RabbitMq__Host:-127.0.0.1}
if [ -z "${Auth__BootstrapKey:-}" ]; then
  [ -s "$RUN/bootstrap-key" ] || printf 'er_boot_%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$RUN/bootstrap-key"
  Auth__BootstrapKey=$(cat "$RUN/bootstrap-key")
fi
export Auth__BootstrapKey
# VERP return paths on a local bounce domain, signed with a secret generated once per checkout into
# .run/ (never committed, and for this machine only). Bounces__Domain= (set, empty) turns VERP off.
export Bounces__Domain=${Bounces__Domain-bounces.localhost}
if [ -n "$Bounces__Domain" ] && [ -z "${Bounces__Secret:-}" ]; then
  [ -s "$RUN/bounces-secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RUN/bounces-secret"
  Bounces__Secret=$(cat "$RUN/bounces-secret")
fi
export Bounces__Secret=${Bounces__Secret:-}
export Bounces__Port=${Bounces__Port:-$BOUNCE_PORT} Bounces__ListenAddress=${Bounces__ListenAddress:-127.0.0.1}
# A local start sends from any address without DNS set-up (the test email below is from
# start.example); a real installation keeps the default, true: from must be at a verified domain.
export Senders__RequireVerifiedDomain=${Senders__RequireVerifiedDomain:-false}
# The key that seals the DKIM keys of sending domains, generated once per checkout into .run/ and
# reused, so the domains added on this machine keep their keys across restarts. This machine only.
if [ -z "${Dkim__MasterKey:-}" ]; then
  [ -s "$RUN/dkim-master-key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$RUN/dkim-master-key")
  Dkim__MasterKey=$(cat "$RUN/dkim-master-key")
fi
export Dkim__MasterKey
# SMTP submission (the API's listener): STARTTLS on 2587, implicit TLS on 2465, loopback only, with a
# self-signed certificate generated once per checkout into .run/ (this machine only; clients must
# accept it or trust .run/submission-cert.pem). Submission__Port=0 turns the listener off.
export Submission__Port=${Submission__Port:-2587} Submission__ImplicitTlsPort=${Submission__ImplicitTlsPort:-2465}
export Submission__ListenAddress=${Submission__ListenAddress:-127.0.0.1}
if [ -z "${Submission__CertificatePath:-}" ]; then
  if [ ! -s "$RUN/submission-cert.pem" ] || [ ! -s "$RUN/submission-key.pem" ]; then
    log "generating a self-signed certificate for the submission listener (.run/submission-cert.pem)"
    (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$RUN/submission-key.pem" -out "$RUN/submission-cert.pem" 2>/dev/null) \
      || fail "openssl could not make the submission certificate"
  fi
  Submission__CertificatePath=$RUN/submission-cert.pem Submission__KeyPath=$RUN/submission-key.pem
fi
export Submission__CertificatePath Submission__KeyPath=${Submission__KeyPath:-}

log "migrating the schema"
dotnet "$(bin services/EmailRelay.Api)" migrate

check_ports   # again: the build took a while, and nothing has been launched yet

: > "$RUN/pids"
launch() { # name dll [args...]
  local name=$1; shift
  nohup dotnet "$@" > "$RUN/logs/$name.log" 2>&1 &
  echo "$! $name" >> "$RUN/pids"
}

if [ -z "${Delivery__Smarthost__Host:-}" ]; then
  log "no smarthost configured: starting the local SMTP catcher on 127.0.0.1:$CATCHER_PORT (mail in .run/mail/)"
  launch catcher "$(bin tools/EmailRelay.DevSmtp)" --port "$CATCHER_PORT" --save-dir "$RUN/mail"
  export Delivery__Smarthost__Host=127.0.0.1 Delivery__Smarthost__Port=$CATCHER_PORT Delivery__Smarthost__Tls=none
fi

url() { echo "http://127.0.0.1:${PORTS[$1]}"; }
for name in "${NAMES[@]}"; do
  case "$name" in
    # Only the first API listens for SMTP submission: two processes cannot share its ports here.
    api) ASPNETCORE_URLS=$(url "$name") launch "$name" "$(bin services/EmailRelay.Api)" ;;
    api-*) ASPNETCORE_URLS=$(url "$name") Submission__Port=0 Submission__ImplicitTlsPort=0 \
             launch "$name" "$(bin services/EmailRelay.Api)" ;;
    sender*) ASPNETCORE_URLS=$(url "$name") launch "$name" "$(bin services/EmailRelay.Sender)" ;;
    tracking) ASPNETCORE_URLS=$(url "$name") launch "$name" "$(bin services/EmailRelay.Tracking)" ;;
  esac
done

wait_ready() { # name: alive and answering (HTTP readiness; the catcher just listens)
  local port=${PORTS[$1]} pid
  pid=$(awk -v n="$1" '$2==n {print $1}' "$RUN/pids")
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$RUN/logs/$1.log" >&2; fail "$1 exited during start (log: .run/logs/$1.log)"
    fi
    if [ "$1" = catcher ]; then
      timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0
    else
      curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$RUN/logs/$1.log" >&2; fail "$1 not ready after 60 s (log: .run/logs/$1.log)"
}
for name in "${NAMES[@]}"; do wait_ready "$name"; done
if [ -n "$Bounces__Domain" ]; then
  for _ in $(seq 1 40); do timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$Bounces__Port" 2>/dev/null && break; sleep 0.25; done
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$Bounces__Port" 2>/dev/null || fail "the bounce listener is not on port $Bounces__Port (log: .run/logs/tracking.log)"
fi
for p in "$Submission__Port" "$Submission__ImplicitTlsPort"; do
  [ "$p" = 0 ] || timeout 1 bash -c "exec 3<>/dev/tcp/$Submission__ListenAddress/$p" 2>/dev/null \
    || fail "the API does not listen for SMTP submission on $Submission__ListenAddress:$p (log: .run/logs/api.log)"
done
log "ready: ${NAMES[*]}"

auth=(-H "Authorization: Bearer $Auth__BootstrapKey")
accepted=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -X POST "$API_URL/v1/emails" -d @- <<JSON
{"from": "EmailRelay <relay@start.example>", "to": ["You <you@start.example>"],
 "subject": "EmailRelay is running", "text": "Sent by scripts/start.sh at $(date -u +%FT%TZ).",
 "tags": ["start-script"]}
JSON
) || fail "the test email was not accepted"
id=$(printf '%s' "$accepted" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
log "test email $id accepted; waiting for its outcome"

record=""
for _ in $(seq 1 120); do
  record=$(curl -fsS "${auth[@]}" "$API_URL/v1/emails/$id")
  case "$record" in *'"status":"delivered"'*|*'"status":"bounced"'*|*'"status":"failed"'*) break ;; esac
  sleep 0.5
done
if command -v python3 >/dev/null; then printf '%s' "$record" | python3 -m json.tool; else printf '%s\n' "$record"; fi
case "$record" in *'"status":"delivered"'*) ;; *) fail "the test email was not delivered (logs in .run/logs/)";; esac
# Still all there: a process that lost its port, or crashed just after its first health check, shows now.
while read -r pid name; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$RUN/logs/$name.log" >&2; fail "$name ($pid) has exited (log: .run/logs/$name.log)"; }
done < "$RUN/pids"

cat <<DONE

EmailRelay is running.
  API            $API_URL   (OpenAPI: $API_URL/openapi/v1.json)
  bootstrap key  $Auth__BootstrapKey
  processes      $(awk '{printf "%s%s", sep, $2; sep=" "}' "$RUN/pids")   (PID NAME lines in .run/pids)
  logs           .run/logs/        stop with: scripts/stop.sh [NAME...]
DONE
if [ -n "$Bounces__Domain" ]; then
  cat <<BOUNCES
  bounces        smtp://$Bounces__ListenAddress:$Bounces__Port   (tracking's listener for DSNs and complaints to *@$Bounces__Domain;
                 inspect a report offline with: scripts/emailrelay.sh parse-bounce FILE)
BOUNCES
fi
if [ "$Submission__Port" != 0 ] || [ "$Submission__ImplicitTlsPort" != 0 ]; then
  cat <<SUBMISSION
  SMTP submission: $Submission__ListenAddress:$Submission__Port (STARTTLS) and :$Submission__ImplicitTlsPort (TLS), user apikey, password an API key
                 (certificate: $Submission__CertificatePath)
SUBMISSION
fi
