#!/usr/bin/env bash
# container-smoke.sh — build and run the project's container images for real on this machine, with
# no image registry: a private Docker engine, local stand-ins under the official base image names,
# the real Dockerfiles and the real docker-compose.yml.
#
#  1. installs docker.io, docker-compose, debootstrap and python3-dkim (Debian packages) when missing (needs root);
#  2. starts its own dockerd (data root and socket under .run/container-smoke/, no systemd);
#  3. builds the stand-ins (deploy/smoke/standins/): a Debian bookworm root filesystem from
#     debootstrap --variant=minbase (cached in .run/container-smoke/), the machine's .NET SDK and
#     runtimes as mcr.microsoft.com/dotnet/sdk and aspnet (the tags the Dockerfiles pin), Debian's
#     PostgreSQL 15 and RabbitMQ as postgres:15 and rabbitmq:3.10-management;
#  4. builds emailrelay/{api,sender,tracking}:smoke with deploy/docker/Dockerfile.* as they are;
#  5. docker compose up on docker-compose.yml (+ deploy/smoke/docker-compose.smoke.yml, which only
#     swaps Mailpit for the project's SMTP sink), sends an email through the API and waits until it
#     is delivered, with both sender replicas running; submits one through the SMTP submission port
#     with swaks (STARTTLS + AUTH apikey/<bootstrap key>) and waits until it is delivered; adds a
#     sending domain through the API (its DKIM key sealed under Dkim__MasterKey), marks it
#     verified, and has python3-dkim verify the signature of a message the containers delivered;
#  6. runs each image as the Helm chart does (--read-only, --user 10001, --cap-drop ALL,
#     no-new-privileges, a tmpfs on /tmp) and checks /health/live, and runs the migration entry
#     point (the api image with `migrate`) against a fresh database on the compose PostgreSQL;
#  7. removes its containers, networks and volumes and stops its dockerd by PID, also on failure.
#
# Images stay in the engine's data root (.run/container-smoke/docker/), so a second run only
# rebuilds what changed. --fresh starts from nothing (keeps only the debootstrap root filesystem);
# --keep leaves the engine and the stack running at the end, and prints how to stop them.
# Host ports it publishes (all on 127.0.0.1): API 18080, others 18025, 18525, 18672, 18587, 18465
# (SMOKE_API_PORT, SMOKE_MAILPIT_PORT, SMOKE_BOUNCE_PORT, SMOKE_RABBITMQ_UI_PORT,
# SMOKE_SUBMISSION_PORT, SMOKE_SUBMISSION_TLS_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.run/container-smoke
ENGINE=$RUN/docker
SOCK=$ENGINE/docker.sock
export DOCKER_HOST=unix://$SOCK
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0   # the classic builder: BuildKit would fetch its frontend
export EMAILRELAY_TAG=smoke
export EMAILRELAY_API_PORT=${SMOKE_API_PORT:-18080}
export EMAILRELAY_MAILPIT_UI_PORT=${SMOKE_MAILPIT_PORT:-18025}
export EMAILRELAY_BOUNCE_PORT=${SMOKE_BOUNCE_PORT:-18525}
export EMAILRELAY_RABBITMQ_UI_PORT=${SMOKE_RABBITMQ_UI_PORT:-18672}
export EMAILRELAY_SUBMISSION_PORT=${SMOKE_SUBMISSION_PORT:-18587}
export EMAILRELAY_SUBMISSION_TLS_PORT=${SMOKE_SUBMISSION_TLS_PORT:-18465}
PROJECT=emailrelay-smoke
COMPOSE_FILES=(-f docker-compose.yml -f deploy/smoke/docker-compose.smoke.yml)
SUITE=bookworm
BASE=emailrelay-standin/debian:$SUITE
DEPS=emailrelay-standin/dotnet-deps:$SUITE
START=$(date +%s)

log() { printf '[container-smoke %4ss] %s\n' "$(( $(date +%s) - START ))" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
TIMINGS=()
step_start=0
step() { step_start=$(date +%s); log "$*"; }
step_done() { TIMINGS+=("$(printf '%-34s %4ss' "$1" "$(( $(date +%s) - step_start ))")"); }

FRESH=""
KEEP=""   # --keep: leave the engine and the compose stack running at the end (for a look; stop with the printed command)
for arg in "$@"; do
  case "$arg" in
    --fresh) FRESH=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) fail "unknown argument $arg (--fresh, --keep, --help)" ;;
  esac
done

# ---- 1. tools -------------------------------------------------------------------------------------
step "checking tools"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# The DKIM signature of a message sent by the containers is checked by Debian's python3-dkim.
/usr/bin/python3 -c 'import dkim, dns.resolver' 2>/dev/null || missing+=(python3-dkim python3-dnspython)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then missing+=(docker-compose); fi
# swaks submits a message through the SMTP submission port; STARTTLS needs Net::SSLeay.
command -v swaks >/dev/null || missing+=(swaks)
perl -MNet::SSLeay -MIO::Socket::SSL -e 1 2>/dev/null || missing+=(libnet-ssleay-perl libio-socket-ssl-perl)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || fail "needs ${missing[*]} (Debian packages) and root to install them"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
compose() { "${COMPOSE[@]}" -p "$PROJECT" "${COMPOSE_FILES[@]}" "$@"; }
step_done "tools"

# ---- 2. a private engine, cleaned up on any exit ---------------------------------------------------
DOCKERD_PID=""
BRIDGE_BEFORE=1
EXTRA_CONTAINERS=()
exec 8>&1 9>&2   # the script's own output: a trap may run while a command's redirections are in force
cleanup() {
  local rc=$?
  set +e
  exec 1>&8 2>&9
  if [ -n "$KEEP" ] && [ -n "$DOCKERD_PID" ]; then
    log "--keep: dockerd (pid $DOCKERD_PID) and the stack still run: DOCKER_HOST=$DOCKER_HOST ${COMPOSE[*]} -p $PROJECT ${COMPOSE_FILES[*]} ps"
    log "stop them with: DOCKER_HOST=$DOCKER_HOST ${COMPOSE[*]} -p $PROJECT ${COMPOSE_FILES[*]} down -v; kill $DOCKERD_PID"
  elif [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    if [ "$rc" != 0 ]; then
      log "logs of the compose services (last lines):"
      compose logs --no-color --tail=40 >&2 2>/dev/null
    fi
    log "cleaning up: containers, networks and volumes of this run"
    [ ${#EXTRA_CONTAINERS[@]} -eq 0 ] || docker rm -f "${EXTRA_CONTAINERS[@]}" >/dev/null 2>&1
    compose down -v --remove-orphans -t 20 >/dev/null 2>&1
    local containerd_pid=""
    [ -s "$ENGINE/exec/containerd/containerd.pid" ] && containerd_pid=$(cat "$ENGINE/exec/containerd/containerd.pid")
    log "stopping dockerd (pid $DOCKERD_PID)"
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && { log "dockerd still running: SIGKILL"; kill -9 "$DOCKERD_PID"; }
    if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
      sleep 2; kill "$containerd_pid" 2>/dev/null
    fi
    # dockerd leaves its own mounts behind (the nsfs of exec/netns/default, overlay leftovers after a
    # SIGKILL): unmounted here, deepest first, so the checkout can be deleted afterwards.
    grep -F " $ENGINE/" /proc/mounts | awk '{print $2}' | sort -r | while read -r mnt; do umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; done
    # The default bridge is left behind by dockerd: removed when this run's engine made it.
    [ -z "$BRIDGE_BEFORE" ] && ip link show docker0 >/dev/null 2>&1 && ip link delete docker0 2>/dev/null
  fi
  log "total $(( $(date +%s) - START ))s"
  if [ ${#TIMINGS[@]} -gt 0 ]; then printf '  %s\n' "${TIMINGS[@]}" >&2; fi
  [ "$rc" = 0 ] && log "PASSED" || log "exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "starting dockerd"
mkdir -p "$ENGINE"
if [ -S "$SOCK" ] && docker version >/dev/null 2>&1; then fail "a dockerd already answers on $SOCK: is another container-smoke.sh running?"; fi
if [ -n "$FRESH" ]; then log "--fresh: removing the engine's data root"; rm -rf "$ENGINE/data"; fi
rm -f "$SOCK"
BRIDGE_BEFORE=""; ip link show docker0 >/dev/null 2>&1 && BRIDGE_BEFORE=1
# --iptables=false --ip-forward=false: the engine leaves the machine's firewall and forwarding as
# they are (dockerd would otherwise add NAT rules and set the FORWARD policy to DROP, for good).
# Nothing here needs it: builds use the host's network, containers talk over their own bridge, and
# published ports go through docker-proxy on 127.0.0.1.
dockerd --data-root "$ENGINE/data" --exec-root "$ENGINE/exec" --pidfile "$ENGINE/dockerd.pid" \
  --host "unix://$SOCK" --iptables=false --ip-forward=false --ip-masq=false > "$ENGINE/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 120); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 20 "$ENGINE/dockerd.log" >&2; fail "dockerd exited (log: $ENGINE/dockerd.log)"; }
  sleep 0.5
done
docker version >/dev/null 2>&1 || fail "dockerd did not answer in 60 s (log: $ENGINE/dockerd.log)"
log "dockerd $(docker version --format '{{.Server.Version}}') (pid $DOCKERD_PID), compose: ${COMPOSE[*]} $("${COMPOSE[@]}" version --short 2>/dev/null || true)"
step_done "dockerd"

# ---- 3. stand-ins for the official base images -------------------------------------------------------
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
# The tags the Dockerfiles pin are the ones to stand in for.
SDK_IMAGE=$(awk '$1=="FROM" && $2 ~ /dotnet\/sdk:/ {print $2; exit}' deploy/docker/Dockerfile.api)
ASPNET_IMAGE=$(awk '$1=="FROM" && $2 ~ /dotnet\/aspnet:/ {print $2; exit}' deploy/docker/Dockerfile.api)
[ -n "$SDK_IMAGE" ] && [ -n "$ASPNET_IMAGE" ] || fail "cannot read the base images from deploy/docker/Dockerfile.api"
STANDINS=deploy/smoke/standins

step "stand-in base images"
if ! have_image "$BASE"; then
  ROOTFS_TAR=$RUN/rootfs-$SUITE-minbase.tar
  if [ ! -s "$ROOTFS_TAR" ]; then
    # The mirror apt already uses on this machine.
    MIRROR=$(grep -rhoE '^(URIs:|deb) +[^ ]*https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | head -n 1 || true)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    log "debootstrap --variant=minbase $SUITE from $MIRROR"
    rm -rf "$RUN/rootfs"
    debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$RUN/rootfs" "$MIRROR" > "$RUN/debootstrap.log" 2>&1 \
      || { tail -n 20 "$RUN/debootstrap.log" >&2; fail "debootstrap failed (log: $RUN/debootstrap.log)"; }
    tar -C "$RUN/rootfs" --numeric-owner -cf "$ROOTFS_TAR.part" .
    mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
    rm -rf "$RUN/rootfs"
  fi
  log "importing the root filesystem as $BASE"
  docker import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$ROOTFS_TAR" "$BASE" >/dev/null
fi
# A stand-in is rebuilt when what it is made of changes: its files here, the machine's .NET, the
# machine's extra CA certificates.
EXTRA_CA=(); for crt in /usr/local/share/ca-certificates/*.crt; do [ -f "$crt" ] && EXTRA_CA+=("$crt"); done
DOTNET_ROOT_HOST=$(dirname "$(readlink -f "$(command -v dotnet)")")
[ -d "$DOTNET_ROOT_HOST/shared/Microsoft.AspNetCore.App" ] || fail "no .NET installation with ASP.NET Core at $DOTNET_ROOT_HOST"
STANDIN_HASH=$( { cat "$STANDINS"/* ${EXTRA_CA[@]+"${EXTRA_CA[@]}"}; ls "$DOTNET_ROOT_HOST/sdk" "$DOTNET_ROOT_HOST"/shared/*; } | sha256sum | cut -c1-16)
standin() { # image dockerfile context [build args...]
  local image=$1 dockerfile=$2 context=$3; shift 3
  [ "$(docker image inspect -f '{{index .Config.Labels "emailrelay.standin"}}' "$image" 2>/dev/null)" = "$STANDIN_HASH" ] && return 0
  log "building stand-in $image"
  docker build -q --network host --label "emailrelay.standin=$STANDIN_HASH" -t "$image" -f - "$@" "$context" < "$dockerfile" \
    > "$RUN/build-standin.log" 2>&1 || { tail -n 30 "$RUN/build-standin.log" >&2; fail "building $image failed"; }
}
# The machine's extra CA certificates (a TLS-inspecting egress proxy, for one) go into the stand-ins'
# trust store, so that NuGet restores inside the SDK stand-in as it does on the machine. Never into
# the project's images.
DEPS_CONTEXT=$RUN/deps-context
rm -rf "$DEPS_CONTEXT"; mkdir -p "$DEPS_CONTEXT/extra-ca"
[ ${#EXTRA_CA[@]} -eq 0 ] || cp "${EXTRA_CA[@]}" "$DEPS_CONTEXT/extra-ca/"
standin "$DEPS" "$STANDINS/Dockerfile.deps" "$DEPS_CONTEXT"
standin "$SDK_IMAGE" "$STANDINS/Dockerfile.sdk" "$DOTNET_ROOT_HOST"
standin "$ASPNET_IMAGE" "$STANDINS/Dockerfile.aspnet" "$STANDINS" --build-arg "SDK_IMAGE=$SDK_IMAGE"
standin postgres:15 "$STANDINS/Dockerfile.postgres" "$STANDINS"
standin rabbitmq:3.10-management "$STANDINS/Dockerfile.rabbitmq" "$STANDINS"
step_done "stand-ins"

# ---- 4. the project's images, with the real Dockerfiles ------------------------------------------
step "building the project's images"
for service in api sender tracking devsmtp; do
  t0=$(date +%s)
  docker build --network host -f "deploy/docker/Dockerfile.$service" -t "emailrelay/$service:$EMAILRELAY_TAG" . \
    > "$RUN/build-$service.log" 2>&1 || { tail -n 40 "$RUN/build-$service.log" >&2; fail "building emailrelay/$service failed (log: $RUN/build-$service.log)"; }
  log "  emailrelay/$service:$EMAILRELAY_TAG in $(( $(date +%s) - t0 ))s ($(docker image inspect -f '{{.Size}}' "emailrelay/$service:$EMAILRELAY_TAG" | awk '{printf "%d MB", $1/1000000}'))"
done
step_done "project images"

# ---- 5. docker compose up, one email delivered ----------------------------------------------------
port_free() { ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
for port in "$EMAILRELAY_API_PORT" "$EMAILRELAY_MAILPIT_UI_PORT" "$EMAILRELAY_BOUNCE_PORT" "$EMAILRELAY_RABBITMQ_UI_PORT" \
            "$EMAILRELAY_SUBMISSION_PORT" "$EMAILRELAY_SUBMISSION_TLS_PORT"; do
  port_free "$port" || fail "port $port on 127.0.0.1 is in use (SMOKE_*_PORT choose others)"
done

step "docker compose up"
compose down -v --remove-orphans >/dev/null 2>&1 || true   # leftovers of an interrupted run
compose up -d --no-build > "$RUN/compose-up.log" 2>&1 || { cat "$RUN/compose-up.log" >&2; fail "docker compose up failed"; }
API=http://127.0.0.1:$EMAILRELAY_API_PORT
for _ in $(seq 1 240); do curl -fsS "$API/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "$API/health/ready" >/dev/null 2>&1 || fail "the API is not ready on $API after 120 s"
compose ps >&2
step_done "compose up (to API ready)"

step "sending an email through the API"
# From a domain of its own: a sender keeps "no DKIM key" for a from domain for a minute
# (DkimKeyStore.CacheFor), which would leave the signed smoke.example message below unsigned.
BOOTSTRAP_KEY=$(compose config | sed -n 's/^ *Auth__BootstrapKey: *//p' | head -n 1 | tr -d "'\"")
[ -n "$BOOTSTRAP_KEY" ] || fail "no Auth__BootstrapKey in the compose configuration"
auth=(-H "Authorization: Bearer $BOOTSTRAP_KEY")
# Waits up to 60 s for email $1 to reach a final status; fails with $2 unless it is delivered.
wait_delivered() {
  local record=""
  for _ in $(seq 1 120); do
    record=$(curl -fsS "${auth[@]}" "$API/v1/emails/$1" || true)
    case "$record" in *'"status":"delivered"'*|*'"status":"bounced"'*|*'"status":"failed"'*) break ;; esac
    sleep 0.5
  done
  case "$record" in *'"status":"delivered"'*) ;; *) fail "$2 $1 not delivered: $record" ;; esac
}
accepted=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -X POST "$API/v1/emails" \
  -d '{"from": "EmailRelay <relay@unsigned.example>", "to": ["You <you@smoke.example>"], "subject": "container smoke", "text": "Sent by scripts/container-smoke.sh."}') \
  || fail "the email was not accepted"
id=$(printf '%s' "$accepted" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || fail "no id in the answer: $accepted"
wait_delivered "$id" "email"
log "email $id delivered"
compose logs --no-color mailpit 2>/dev/null | grep -q "accepted .*to=you@smoke.example" \
  || fail "the SMTP sink (the mailpit service) did not log the message"
senders=$(compose ps -q sender | wc -l)
[ "$senders" = 2 ] || fail "expected 2 sender replicas, found $senders"
running=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter status=running | wc -l)
banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EMAILRELAY_BOUNCE_PORT; head -n 1 <&3" 2>/dev/null | tr -d '\r' || true)
case "$banner" in 220*) ;; *) fail "tracking's bounce listener did not greet on 127.0.0.1:$EMAILRELAY_BOUNCE_PORT (got '$banner')" ;; esac
log "$running containers running, 2 sender replicas; bounce listener: $banner"
step_done "email delivered"

# SMTP submission: the same kind of message through the api's listener (STARTTLS, AUTH PLAIN with
# user apikey and the bootstrap key), its id from the 250 reply, then delivered like the HTTP one.
# Whether the api listens is read from the container's own socket table (/proc/net/tcp*, state 0A =
# LISTEN): docker-proxy accepts on the published host port even when nothing listens behind it.
# From a domain of its own too, for the same reason as the first email.
step "submitting an email over SMTP (swaks, STARTTLS + AUTH)"
listen_hex=$(printf ':%04X ' 2587)
compose exec -T api cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2 " "}' | grep -q "$listen_hex" \
  || { compose logs --no-color --tail 40 api >&2; fail "the api does not listen on its submission port 2587"; }
swaks --server 127.0.0.1 --port "$EMAILRELAY_SUBMISSION_PORT" --tls --auth PLAIN \
  --auth-user apikey --auth-password "$BOOTSTRAP_KEY" --ehlo smoke.client \
  --from relay@submission.example --to submitted@submission.example \
  --header "Subject: container smoke, submission" --body "Submitted by scripts/container-smoke.sh over SMTP." \
  > "$RUN/swaks.log" 2>&1 || { cat "$RUN/swaks.log" >&2; fail "swaks: the submission was refused (log: $RUN/swaks.log)"; }
# The reply to the end of DATA is the last 250 swaks printed; API.md: it carries the email id.
reply=$(grep -E '^ *<[-~] +250 ' "$RUN/swaks.log" | tail -n 1)
id=$(printf '%s' "$reply" | grep -oiE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1 || true)
[ -n "$id" ] || { cat "$RUN/swaks.log" >&2; fail "the 250 reply to DATA carries no email id: $reply"; }
wait_delivered "$id" "submitted email"
compose logs --no-color mailpit 2>/dev/null | grep -q "accepted .*to=submitted@submission.example" \
  || fail "the SMTP sink did not log the submitted message"
log "email $id submitted over SMTP (reply: ${reply#*250 }) and delivered"
step_done "SMTP submission delivered"

# Dkim__MasterKey reaches the api (it seals the key it makes) and the sender (it opens it to sign).
# There is no DNS for smoke.example here, so the domain is marked verified in the database, as a
# verify that found its records would; the signature is then checked by Debian's python3-dkim with
# the record the API said to publish.
step "sending domain and DKIM signature"
domain=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -X POST "$API/v1/domains" -d '{"name": "smoke.example"}') \
  || fail "POST /v1/domains failed (is Dkim__MasterKey set for the api?)"
dkim_record() { printf '%s' "$domain" | /usr/bin/python3 -c "import json, sys; print(next(r['$1'] for r in json.load(sys.stdin)['records'] if r['purpose'] == 'dkim'))"; }
dkim_name=$(dkim_record name) dkim_value=$(dkim_record value)
[ -n "$dkim_name" ] && [ -n "$dkim_value" ] || fail "no DKIM record in the answer: $domain"
compose exec -T postgres psql -qtA -U relay -d relay -c "
  UPDATE sending_domains SET status = 'verified', verified_at = now() WHERE name = 'smoke.example';
  UPDATE dkim_keys SET state = 'active', activated_at = now() WHERE domain_id = (SELECT id FROM sending_domains WHERE name = 'smoke.example')" >/dev/null
accepted=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -X POST "$API/v1/emails" \
  -d '{"from": "EmailRelay <relay@smoke.example>", "to": ["signed@smoke.example"], "subject": "container smoke, signed", "text": "Signed in a container."}') \
  || fail "the signed email was not accepted"
id=$(printf '%s' "$accepted" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_delivered "$id" "signed email"
compose exec -T mailpit sh -c 'grep -l "container smoke, signed" /tmp/mail/*.eml | head -n 1 | xargs cat' > "$RUN/signed.eml" \
  || fail "the SMTP sink did not keep the signed message"
grep -q '^DKIM-Signature: .*d=smoke.example' "$RUN/signed.eml" || grep -A3 '^DKIM-Signature' "$RUN/signed.eml" | tr -d '\r\n\t ' | grep -q 'd=smoke.example' \
  || fail "the delivered message has no DKIM-Signature of smoke.example"
verdict=$(/usr/bin/python3 tests/dkim-verify/verify.py --txt "$dkim_name" "$dkim_value" "$RUN/signed.eml" 2>"$RUN/dkim-verify.log") \
  || fail "python3-dkim does not verify the signature: $verdict ($(tail -n 5 "$RUN/dkim-verify.log"))"
log "domain smoke.example: key made by the api, message $id signed by the sender; python3-dkim: $verdict"
step_done "sending domain + DKIM"

# ---- 6. as the chart runs them ------------------------------------------------------------------------
step "running each image as the chart does (read-only root, UID 10001, no capabilities)"
HARDENED=(--read-only --user 10001:10001 --cap-drop ALL --security-opt no-new-privileges --tmpfs /tmp)
for service in api sender tracking; do
  name=$PROJECT-hardened-$service
  EXTRA_CONTAINERS+=("$name")
  # (docker run warns that IPv4 forwarding is off: nothing here leaves the machine, see dockerd above)
  docker run -d --name "$name" "${HARDENED[@]}" -p 127.0.0.1::8080 "emailrelay/$service:$EMAILRELAY_TAG" >/dev/null 2>"$RUN/run.err" \
    || { cat "$RUN/run.err" >&2; fail "docker run $service failed"; }
  hostport=$(docker port "$name" 8080/tcp | head -n 1 | sed 's/.*://')
  ok=""
  for _ in $(seq 1 120); do
    [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || break
    if curl -fsS "http://127.0.0.1:$hostport/health/live" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  [ -n "$ok" ] || { docker logs --tail 40 "$name" >&2; fail "$service: /health/live never answered under the hardened settings"; }
  sleep 2
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || { docker logs --tail 40 "$name" >&2; fail "$service exited after starting"; }
  ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hostport/health/ready" || true)
  log "  $service: live 200, ready $ready (no database or broker given), user $(docker exec "$name" id -u 2>/dev/null || echo '?')"
  docker rm -f "$name" >/dev/null
done

# The migration entry point, hardened too, on a database of its own so it creates the whole schema.
compose exec -T postgres psql -q -U relay -d relay -c 'create database relay_migrate_check' >/dev/null
NETWORK=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$(compose ps -q postgres)")
PG_PASSWORD=$(compose config | sed -n 's/^ *POSTGRES_PASSWORD: *//p' | head -n 1 | tr -d "'\"")
name=$PROJECT-hardened-migrate
EXTRA_CONTAINERS+=("$name")
docker run --name "$name" "${HARDENED[@]}" --network "$NETWORK" \
  -e "ConnectionStrings__Postgres=Host=postgres;Port=5432;Username=relay;Password=$PG_PASSWORD;Database=relay_migrate_check;SSL Mode=Disable;GSS Encryption Mode=Disable" \
  "emailrelay/api:$EMAILRELAY_TAG" migrate > "$RUN/migrate.log" 2>&1 || { cat "$RUN/migrate.log" >&2; fail "migrate failed"; }
grep -q 'applied' "$RUN/migrate.log" || { cat "$RUN/migrate.log" >&2; fail "migrate did not say it applied the migrations"; }
tables=$(compose exec -T postgres psql -qtA -U relay -d relay_migrate_check -c "select count(*) from pg_tables where schemaname not in ('pg_catalog','information_schema')" | tr -d '\r')
[ "${tables:-0}" -gt 0 ] || fail "migrate ran but created no table"
log "  migrate: exit 0, $tables tables in a fresh database"
docker rm -f "$name" >/dev/null
step_done "hardened runs + migrate"
