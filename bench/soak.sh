# Sourced by scripts/bench.sh when SOAK_MINUTES is set, after the relay is up: the long run.
# Single 2 KB POSTs offered open loop at SOAK_RATE per second (bench/paced.py, SOAK_CONC
# connections), one minute at a time, into a sink that never stops counting. After each minute
# one line: that minute's latency, the backlog of open recipients, every service's resident memory
# now and at its peak, and what PostgreSQL holds: rows and size of the history tables (which grow
# with the mail until retention prunes it: content after 7 days, history after 90 by default),
# dead tuples left for autovacuum, and the bookkeeping tables that must stay flat whatever the
# volume (rate buckets, destination limits, feed cursors, failed logins, idempotency keys).
[ -n "${SOAK_RATE:-}" ] || fail "SOAK_MINUTES needs SOAK_RATE (emails per second)"
SOAK_CONC=${SOAK_CONC:-32}
start_sink 1000000000
soak_out="$OUT/soak-$(date -u +%Y%m%dT%H%M%SZ).txt"
soak_db() { PGPASSWORD=relay psql -h 127.0.0.1 -U relay -d "$DB" -qtA -F ' ' -c "$1"; }
rss_mb() { awk -v k="$2" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
{
  echo "# soak: $SOAK_MINUTES min of single 2 KB POSTs at $SOAK_RATE/s offered open loop from $SOAK_CONC connections; $(nproc)-core $(uname -m)"
  echo "# api x$APIS, sender x$SENDERS, tracking x1; DKIM $([ "${DKIM:-1}" = 1 ] && echo on || echo off); PostgreSQL $(pg_settings_line); started $(date -u +%FT%TZ)"
  echo "# min    sent  late  p50_ms  p99_ms  max_ms backlog | RSS MB now/peak: $(for n in "${!SERVICE_PID[@]}"; do printf '%s ' "$n"; done)| messages events db_MB bytes/email dead_msgs | buckets slots rates cursors authfail idem"
} | tee "$soak_out" >&2
for minute in $(seq 1 "$SOAK_MINUTES"); do
  read -r sent ok p50 p99 max late < <("$PY" bench/paced.py http 127.0.0.1 "${API_PORTS[0]}" "$SOAK_RATE" 60 "$SOAK_CONC" \
    "$RUN/email-2048.json" "$KEY" 2> "$RUN/logs/soak.err") || { tail -n 5 "$RUN/logs/soak.err" >&2; fail "soak: the driver failed"; }
  [ "$ok" = "$sent" ] || fail "soak minute $minute: $ok of $sent requests answered 2xx"
  rss=""; for n in "${!SERVICE_PID[@]}"; do rss+="$(rss_mb "${SERVICE_PID[$n]}" VmRSS)/$(rss_mb "${SERVICE_PID[$n]}" VmHWM) "; done
  read -r messages events db_mb per_email dead < <(soak_db "
    SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM events),
           round(pg_database_size(current_database()) / 1048576.0),
           round((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
                  WHERE c.relkind = 'r' AND (c.relname IN ('messages', 'message_states', 'message_contents', 'recipients')
                        OR c.relname LIKE 'events\_%' OR c.relname LIKE 'delivery\_attempts\_%'))
                 / greatest((SELECT count(*) FROM messages), 1)),
           (SELECT sum(n_dead_tup) FROM pg_stat_user_tables WHERE relname IN ('messages', 'message_states'))")
  read -r buckets slots rates cursors authfail idem < <(soak_db "
    SELECT (SELECT count(*) FROM rate_limit_buckets), (SELECT count(*) FROM destination_connection_slots),
           (SELECT count(*) FROM destination_rates), (SELECT count(*) FROM feed_cursors),
           (SELECT count(*) FROM submission_auth_failures), (SELECT count(*) FROM idempotency)")
  printf '%5s %7s %5s %7s %7s %7s %7s | %s| %8s %7s %5s %11s %9s | %7s %5s %5s %7s %8s %4s\n' "$minute" "$sent" "$late" "$p50" "$p99" "$max" \
    "$(open_recipients)" "$rss" "$messages" "$events" "$db_mb" "$per_email" "$dead" "$buckets" "$slots" "$rates" "$cursors" "$authfail" "$idem" \
    | tee -a "$soak_out" >&2
done
log "soak written: $soak_out"
