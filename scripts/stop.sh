#!/usr/bin/env bash
# stop.sh — stop what scripts/start.sh started (PostgreSQL and RabbitMQ stay up: other work may use them).
#   scripts/stop.sh                  everything in .run/pids
#   scripts/stop.sh sender-2 api-2   only those, by the names in .run/pids (the others keep running)
#   STOP_TIMEOUT (160): seconds to wait for a graceful exit before SIGKILL.
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
# Graceful shutdown lets senders finish in-flight SMTP transactions. A sender never cuts one past
# DATA, so its host may take up to ShutdownGrace + CommandTimeout + 10 s (2 min 30 s by default,
# only when a smarthost stalls): wait a little longer than that (STOP_TIMEOUT, seconds), then insist.
for _ in $(seq 1 $(( ${STOP_TIMEOUT:-160} * 2 ))); do
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
