#!/usr/bin/env bash
# start.sh — run EmailRelay on this machine: provision PostgreSQL and RabbitMQ, build, migrate, start
# api, sender and tracking in the background, send a real email through the API and print its
# tracking record. Logs and pid files go to .run/ (git-ignored); scripts/stop.sh stops it all.
#
# Any configuration key can be given as an environment variable (Section__Key) and reaches the
# services, e.g. Delivery__Smarthost__Host=smtp.example.net Delivery__Smarthost__Tls=required.
# Without a configured smarthost, a local SMTP catcher (tools/EmailRelay.DevSmtp) receives the mail
# and keeps each message under .run/mail/.
#   API_PORT (8080), SENDER_PORT (8081), TRACKING_PORT (8082), CATCHER_PORT (2525),
#   CONFIGURATION (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.run
CONFIGURATION=${CONFIGURATION:-Release}
API_PORT=${API_PORT:-8080}
SENDER_PORT=${SENDER_PORT:-8081}
TRACKING_PORT=${TRACKING_PORT:-8082}
CATCHER_PORT=${CATCHER_PORT:-2525}
API_URL="http://127.0.0.1:$API_PORT"

log() { printf '[start] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

[ -f "$RUN/pids" ] && { log "stopping the previous run first"; bash scripts/stop.sh; }
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

log "migrating the schema"
dotnet "$(bin services/EmailRelay.Api)" migrate

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

ASPNETCORE_URLS=$API_URL launch api "$(bin services/EmailRelay.Api)"
ASPNETCORE_URLS=http://127.0.0.1:$SENDER_PORT launch sender "$(bin services/EmailRelay.Sender)"
ASPNETCORE_URLS=http://127.0.0.1:$TRACKING_PORT launch tracking "$(bin services/EmailRelay.Tracking)"

wait_ready() { # name port
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1 && return 0
    if ! kill -0 "$(awk -v n="$1" '$2==n {print $1}' "$RUN/pids")" 2>/dev/null; then
      tail -n 30 "$RUN/logs/$1.log" >&2; fail "$1 exited during start (log: .run/logs/$1.log)"
    fi
    sleep 0.5
  done
  tail -n 30 "$RUN/logs/$1.log" >&2; fail "$1 not ready after 60 s (log: .run/logs/$1.log)"
}
wait_ready api "$API_PORT"; wait_ready sender "$SENDER_PORT"; wait_ready tracking "$TRACKING_PORT"
log "api, sender and tracking are ready"

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

cat <<DONE

EmailRelay is running.
  API            $API_URL   (OpenAPI: $API_URL/openapi/v1.json)
  bootstrap key  $Auth__BootstrapKey
  logs           .run/logs/        stop with: scripts/stop.sh
DONE
