#!/bin/bash
# Stand-in for the rabbitmq image's entrypoint: RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS become
# the default user (instead of guest, which may only connect over loopback), listeners on every
# address, the management UI on 15672; then the server runs as the rabbitmq user.
set -euo pipefail
{
  echo "listeners.tcp.default = 5672"
  echo "management.tcp.port = 15672"
  echo "loopback_users = none"
  [ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER"
  [ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS"
} > /etc/rabbitmq/rabbitmq.conf
mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
export HOME=/var/lib/rabbitmq RABBITMQ_LOGS=-
if [ "${1:-}" = rabbitmq-server ]; then
  shift
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
fi
exec "$@"
