#!/usr/bin/env bash
# bench-history.sh — how the list filters of GET /v1/events and GET /v1/emails answer as history
# grows. Loads a synthetic history (MESSAGES messages over 60 days, about 2.1 events each: the
# default 4,700,000 makes about 10 M events) into its own database, starts the API on it, and
# times every documented filter through HTTP, RUNS times each (median, p95, slowest).
# A benchmark, not a test: nothing asserts a time. Writes bench/results/history-queries.txt.
#
#   MESSAGES (4700000)  RUNS (30)  KEEP=1 reuses an already loaded database (skips the load)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MESSAGES=${MESSAGES:-4700000}; RUNS=${RUNS:-30}
PORT=${PORT:-18190}
DB=relay_history
KEY=er_history_0123456789abcdefghijklmnopq
RUN=$ROOT/.run/bench-history
OUT=$ROOT/bench/results/history-queries.txt
export PGPASSWORD=relay
PSQL=(psql -h 127.0.0.1 -U relay -X -q -v ON_ERROR_STOP=1)
log() { printf '[history] %s\n' "$*" >&2; }

bash scripts/deps.sh
dotnet build services/EmailRelay.Api -c Release -nologo -clp:NoSummary -v quiet
API_DLL=services/EmailRelay.Api/bin/Release/net10.0/EmailRelay.Api.dll
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=5432;Username=relay;Password=relay;Database=$DB;SSL Mode=Disable"

if [ -z "${KEEP:-}" ] || ! "${PSQL[@]}" -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
  dropdb -h 127.0.0.1 -U relay --if-exists "$DB"
  createdb -h 127.0.0.1 -U relay "$DB"
  dotnet "$API_DLL" migrate >/dev/null
  log "loading $MESSAGES messages (this takes minutes)"
  start=$(date +%s)
  "${PSQL[@]}" -d "$DB" -v messages="$MESSAGES" -f bench/history/load-history.sql 2>&1 | grep -v '^psql.*NOTICE' >&2 || true
  log "loaded in $(( $(date +%s) - start )) s"
fi

mkdir -p "$RUN"
ASPNETCORE_URLS=http://127.0.0.1:$PORT Auth__BootstrapKey=$KEY RabbitMq__Host=127.0.0.1 \
  nohup dotnet "$API_DLL" > "$RUN/api.log" 2>&1 &
API_PID=$!
trap 'kill $API_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.2; done

q() { "${PSQL[@]}" -d "$DB" -Atc "$1"; }
# Real values from the loaded history, so every filter matches something.
read -r events messages <<<"$(q "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM messages)" | tr '|' ' ')"
recipient=$(q "SELECT address FROM recipients WHERE message_id > (SELECT id FROM messages ORDER BY id OFFSET $((messages / 2)) LIMIT 1) LIMIT 1")
sender=$(q "SELECT envelope_from FROM messages ORDER BY id DESC LIMIT 1")
email=$(q "SELECT id FROM messages ORDER BY id OFFSET $((messages / 2)) LIMIT 1")
project=00000000-0000-0000-0000-000000000103
middle=$(q "SELECT to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM messages WHERE id = '$email'")
day_after=$(q "SELECT to_char(created_at + interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM messages WHERE id = '$email'")
recent=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
# A cursor in the middle of the feed: the position (tx, id) of a middle event, as the API encodes it.
cursor=$(q "SELECT tx::text || ' ' || id FROM events WHERE message_id = '$email' ORDER BY sequence LIMIT 1" | python3 -c '
import base64, sys, uuid
tx, eid = sys.stdin.read().split()
print(base64.urlsafe_b64encode(int(tx).to_bytes(8, "big") + uuid.UUID(eid).bytes).decode().rstrip("="))')
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

QUERIES=(
  "events: first page|/v1/events"
  "events: cursor in the middle|/v1/events?cursor=$cursor"
  "events: type=delivered|/v1/events?type=delivered"
  "events: type=complained (rare)|/v1/events?type=complained"
  "events: recipient|/v1/events?recipient=$(enc "$recipient")"
  "events: email_id|/v1/events?email_id=$email"
  "events: since 1 h ago|/v1/events?since=$recent"
  "events: since 30 days ago|/v1/events?since=$middle"
  "events: project_id|/v1/events?project_id=$project"
  "events: project_id + type=bounced|/v1/events?project_id=$project&type=bounced"
  "events: project_id + since 30 days ago|/v1/events?project_id=$project&since=$middle"
  "emails: first page|/v1/emails"
  "emails: status=bounced|/v1/emails?status=bounced"
  "emails: status=failed|/v1/emails?status=failed"
  "emails: recipient|/v1/emails?recipient=$(enc "$recipient")"
  "emails: from|/v1/emails?from=$(enc "$sender")"
  "emails: tag=receipt|/v1/emails?tag=receipt"
  "emails: tag=rare-campaign|/v1/emails?tag=rare-campaign"
  "emails: since+until (one day, 30 days ago)|/v1/emails?since=$middle&until=$day_after"
  "emails: since 1 h ago|/v1/emails?since=$recent"
  "emails: project_id|/v1/emails?project_id=$project"
  "emails: project_id + status=bounced|/v1/emails?project_id=$project&status=bounced"
)

{
  echo "GET list filters over $events events and $messages messages ($(nproc) cores, PostgreSQL $(q 'SHOW server_version'));"
  echo "$RUNS requests each through the API, after one warm-up; milliseconds."
  printf '%-48s %8s %8s %8s %6s\n' "filter" "p50" "p95" "max" "rows"
  for entry in "${QUERIES[@]}"; do
    name=${entry%%|*}; path=${entry#*|}
    rows=$(curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT$path" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"]))') \
      || { echo "FAILED: $name ($path)" >&2; exit 1; }
    times=$(for _ in $(seq 1 "$RUNS"); do
      curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT$path"
    done | sort -n)
    pick() { awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p + 0.5); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.1f", a[i] * 1000 }' <<<"$times"; }
    printf '%-48s %8s %8s %8s %6s\n' "$name" "$(pick 0.5)" "$(pick 0.95)" "$(pick 1)" "$rows"
  done
} | tee "$OUT"
log "written to $OUT"
