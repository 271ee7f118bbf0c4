#!/usr/bin/env bash
# deps.sh — make PostgreSQL and RabbitMQ reachable for EmailRelay.
#
# Reuses servers that already answer at the configured addresses; otherwise, on Debian/Ubuntu as
# root, installs the OS packages and starts them on loopback without systemd (containers and CI
# machines have no init system). Idempotent: safe to run before every start and test run.
#
#   PG_HOST/PG_PORT (127.0.0.1:5432), role/database relay/relay (password relay), CREATEDB so the
#   tests can make a database per fixture.
#   RABBIT_HOST/RABBIT_PORT (127.0.0.1:5672) guest/guest, management API on 127.0.0.1:15672.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive ERL_EPMD_ADDRESS=127.0.0.1

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
RABBIT_HOST=${RABBIT_HOST:-127.0.0.1}
RABBIT_PORT=${RABBIT_PORT:-5672}

log() { printf '[deps] %s\n' "$*" >&2; }
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
wait_for() { # host port seconds
  for _ in $(seq 1 $(( $3 * 5 ))); do answers "$1" "$2" && return 0; sleep 0.2; done
  return 1
}

need_root() {
  [ "$(id -u)" = 0 ] || { log "$1 is not reachable and installing it needs root"; exit 1; }
  command -v apt-get >/dev/null || { log "$1 is not reachable and this is not Debian/Ubuntu: start it yourself"; exit 1; }
}

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -q >/dev/null; apt_updated=1; }
  apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

start_postgres() {
  need_root PostgreSQL
  command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && ls /etc/postgresql/*/main >/dev/null 2>&1 \
    || { log "installing postgresql"; apt_install postgresql; }
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    log "starting PostgreSQL $version"
    pg_ctlcluster "$version" main start
  fi
  wait_for 127.0.0.1 5432 30 || { log "PostgreSQL did not start"; exit 1; }
}

ensure_relay_role() {
  # Only possible for a server on this machine; a configured remote server brings its own role.
  command -v su >/dev/null && id postgres >/dev/null 2>&1 || return 0
  local sql="select 1 from pg_roles where rolname='relay'"
  if ! su postgres -c "psql -qtAc \"$sql\"" 2>/dev/null | grep -q 1; then
    log "creating role and database relay"
    su postgres -c "psql -q -c \"create role relay login createdb password 'relay'\" -c 'create database relay owner relay'"
  fi
}

start_rabbitmq() {
  need_root RabbitMQ
  command -v rabbitmq-server >/dev/null || { log "installing rabbitmq-server"; apt_install rabbitmq-server; }
  mkdir -p /etc/rabbitmq
  cat > /etc/rabbitmq/rabbitmq.conf <<'CONF'
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
prometheus.tcp.ip = 127.0.0.1
CONF
  cat > /etc/rabbitmq/rabbitmq-env.conf <<'CONF'
NODE_IP_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  echo '[rabbitmq_management,rabbitmq_prometheus].' > /etc/rabbitmq/enabled_plugins
  log "starting RabbitMQ"
  rabbitmq-server -detached
  for _ in $(seq 1 300); do rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break; sleep 0.2; done
  rabbitmqctl -q await_startup --timeout 120
  wait_for 127.0.0.1 5672 60 || { log "RabbitMQ did not start"; exit 1; }
}

# curl drives the start script's checks; a minimal image may not have it.
if ! command -v curl >/dev/null; then need_root curl; apt_install curl ca-certificates; fi

# The tools the integration tests run for real: dnsmasq (the test DNS server), Postfix (the interop
# peer, run as a private instance per test; libsasl2-modules gives it AUTH PLAIN as a client of
# our submission port), python3-dkim and python3-dnspython (dkimverify, an
# implementation we did not write, checks our signatures). Installing postfix must not start the
# system's Postfix: policy-rc.d refuses every service start during the install, and debconf is
# answered beforehand so nothing asks.
test_tools=()
command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || test_tools+=(dnsmasq-base)
[ -x /usr/sbin/postfix ] || test_tools+=(postfix)
dpkg -s libsasl2-modules >/dev/null 2>&1 || test_tools+=(libsasl2-modules)
/usr/bin/python3 -c 'import dkim' 2>/dev/null || test_tools+=(python3-dkim)
/usr/bin/python3 -c 'import dns.resolver' 2>/dev/null || test_tools+=(python3-dnspython)
if [ ${#test_tools[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing test tools: ${test_tools[*]}"
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string localhost" | debconf-set-selections
    policy_rc=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_rc=1
    fi
    status=0
    apt_install "${test_tools[@]}" || status=$?
    if [ -n "$policy_rc" ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$status" = 0 ] || { log "installing ${test_tools[*]} failed"; exit "$status"; }
  else
    log "warning: missing ${test_tools[*]} (the DNS, DKIM and Postfix tests need them); install them as root"
  fi
fi

if answers "$PG_HOST" "$PG_PORT"; then
  log "PostgreSQL answers at $PG_HOST:$PG_PORT"
else
  start_postgres
fi
[ "$PG_HOST" = 127.0.0.1 ] && ensure_relay_role

if answers "$RABBIT_HOST" "$RABBIT_PORT"; then
  log "RabbitMQ answers at $RABBIT_HOST:$RABBIT_PORT"
else
  start_rabbitmq
fi
# The tests make a virtual host per fixture through the management API.
if [ "$RABBIT_HOST" = 127.0.0.1 ] && ! answers 127.0.0.1 15672; then
  command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins -q enable rabbitmq_management >/dev/null 2>&1 || true
  wait_for 127.0.0.1 15672 60 || log "warning: RabbitMQ management API not reachable on 127.0.0.1:15672"
fi
log "ready: postgres $PG_HOST:$PG_PORT, rabbitmq $RABBIT_HOST:$RABBIT_PORT"
