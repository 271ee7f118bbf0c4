#!/usr/bin/env bash
# peer-postfix.sh RUN PF_PORT SINK_PORT N2K N20K CONC — the peer of scripts/bench.sh.
#
#   smtp-source -> private Postfix instance on 127.0.0.1:PF_PORT -> smtp-sink on 127.0.0.1:SINK_PORT
#
# Builds a throw-away Postfix instance under RUN/postfix (the system Postfix is not touched), relays
# N messages of 2 KB and of 20 KB, and prints 'key value' result lines on stdout: accepted/s (what
# smtp-source got '250 queued' for), delivered/s (received by the sink), the latency of one SMTP
# transaction during the 2 KB run, peak RSS and CPU of the instance. Postfix fsyncs every queue
# file before answering 250, so both sides of the comparison are durable.
set -euo pipefail
RUN=$1 PF_PORT=$2 SINK_PORT=$3 N2K=$4 N20K=$5 CONC=$6
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
# latency probes go to a discard transport: the same accept path (cleanup + fsync), never the sink
transport_maps = inline:{discard.invalid=discard:}
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

relay_run() { # name emails size [probe]
  local name=$1 n=$2 size=$3 probe=${4:-} sink t0 t1 t2 c0 c1 probe_pid=""
  smtp-sink -u postfix -M "$n" "127.0.0.1:$SINK_PORT" 1000 >/dev/null 2>&1 & sink=$!
  for _ in $(seq 1 50); do ss -ltn "( sport = :$SINK_PORT )" | grep -q LISTEN && break; sleep 0.1; done
  c0=$(ticks); t0=$(now)
  if [ -n "$probe" ]; then rm -f "$WORK/probe.stop"; "$PY" "$HERE/smtp_probe.py" 127.0.0.1 "$PF_PORT" "$WORK/probe.stop" > "$WORK/probe.out" & probe_pid=$!; fi
  smtp-source -s "$CONC" -l "$size" -m "$n" -f bench@relay.bench -t sink@sink.bench "127.0.0.1:$PF_PORT"
  t1=$(now)
  [ -n "$probe_pid" ] && touch "$WORK/probe.stop"
  local end=$(( $(date +%s) + 600 ))
  while kill -0 "$sink" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.02; done
  kill -0 "$sink" 2>/dev/null && { log "$name: sink timeout"; kill "$sink"; }
  t2=$(now); c1=$(ticks)
  [ -n "$probe_pid" ] && wait "$probe_pid"
  echo "pf.$name.accept_rate $(calc "$n / ($t1 - $t0)")"
  echo "pf.$name.e2e_rate $(calc "$n / ($t2 - $t0)")"
  echo "pf.$name.relay_cpu $(calc "($c1 - $c0) / $HZ / ($t2 - $t0)")"
  log "$(printf '%-6s %6s msgs: accepted %8.0f/s  delivered %8.0f/s' "$name" "$n" "$(calc "$n / ($t1 - $t0)")" "$(calc "$n / ($t2 - $t0)")")"
  # drain what is left (discarded probes; a few deferred when the sink closed at its count)
  for _ in $(seq 1 200); do [ "$(find "$WORK/spool/incoming" "$WORK/spool/active" -type f | wc -l)" -eq 0 ] && break; sleep 0.1; done
  postsuper -c "$WORK/etc" -d ALL deferred >/dev/null 2>&1 || true
}

relay_run warmup 1000 2048 >/dev/null
relay_run 2k "$N2K" 2048 probe
relay_run 20k "$N20K" 20480
read -r n p50 p99 max < "$WORK/probe.out"
echo "pf.probe.n $n"; echo "pf.probe.p50 $p50"; echo "pf.probe.p99 $p99"; echo "pf.probe.max $max"
echo "pf.rss.total $(calc "$(cat "$WORK/peak") / 1024")"
