#!/usr/bin/env bash
# stop.sh — stop what scripts/start.sh started (PostgreSQL and RabbitMQ stay up: other work may use them).
set -euo pipefail
cd "$(dirname "$0")/.."
PIDS=.run/pids
[ -f "$PIDS" ] || { echo "[stop] nothing to stop"; exit 0; }
while read -r pid name; do
  kill -TERM "$pid" 2>/dev/null && echo "[stop] $name ($pid)" || true
done < "$PIDS"
# Graceful shutdown lets senders finish in-flight SMTP transactions; give it time, then insist.
for _ in $(seq 1 60); do
  alive=0
  while read -r pid _; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$PIDS"
  [ "$alive" = 0 ] && break
  sleep 0.5
done
while read -r pid _; do kill -KILL "$pid" 2>/dev/null || true; done < "$PIDS"
rm -f "$PIDS"
