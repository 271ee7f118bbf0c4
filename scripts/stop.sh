#!/usr/bin/env bash
# stop.sh — stop what scripts/start.sh started (PostgreSQL and RabbitMQ stay up: other work may use them).
#   scripts/stop.sh                  everything in .run/pids
#   scripts/stop.sh sender-2 api-2   only those, by the names in .run/pids (the others keep running)
set -euo pipefail
cd "$(dirname "$0")/.."
PIDS=.run/pids
[ -f "$PIDS" ] || { echo "[stop] nothing to stop"; exit 0; }

# The lines to stop: all of them, or those whose name was given.
if [ $# -eq 0 ]; then
  targets=$(cat "$PIDS")
else
  targets=""
  for name in "$@"; do
    line=$(awk -v n="$name" '$2 == n' "$PIDS")
    [ -n "$line" ] || { echo "[stop] no process named $name in $PIDS (names: $(awk '{printf "%s ", $2}' "$PIDS"))" >&2; exit 1; }
    targets="$targets$line"$'\n'
  done
fi

while read -r pid name; do
  [ -n "$pid" ] || continue
  kill -TERM "$pid" 2>/dev/null && echo "[stop] $name ($pid)" || true
done <<< "$targets"
# Graceful shutdown lets senders finish in-flight SMTP transactions (their host allows
# Sender__ShutdownGrace + 10 s, 30 s by default); give it 40 s, then insist.
for _ in $(seq 1 80); do
  alive=0
  while read -r pid _; do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1; done <<< "$targets"
  [ "$alive" = 0 ] && break
  sleep 0.5
done
while read -r pid _; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done <<< "$targets"

if [ $# -eq 0 ]; then
  rm -f "$PIDS"
else
  # Keep the lines of what still runs, so a later stop.sh stops the rest.
  awk -v stopped=" $* " 'index(stopped, " " $2 " ") == 0' "$PIDS" > "$PIDS.tmp" && mv "$PIDS.tmp" "$PIDS"
  [ -s "$PIDS" ] || rm -f "$PIDS"
fi
