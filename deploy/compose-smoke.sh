#!/usr/bin/env bash
# `npm run compose:smoke`: builds the production image, starts compose.yaml (PostgreSQL,
# the migration, two widget nodes, nginx) under a project name of its own, and checks
# through the proxy that both nodes answer, a tenant registered on one node launches,
# and the session works on either. Removes everything it started, volumes included.
# Where Docker cannot run it, it says why and exits 0: it is skipped, not passed.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
  echo "compose smoke test SKIPPED: $*"
  exit 0
}
command -v docker >/dev/null 2>&1 || skip "there is no docker command on this machine"
docker compose version >/dev/null 2>&1 || skip "docker has no compose plugin here ('docker compose version' failed)"
docker info >/dev/null 2>&1 || skip "no Docker engine answers here ('docker info' failed: $(docker info 2>&1 | grep -m1 -i error || echo 'no daemon'))"

export COMPOSE_PROJECT_NAME="widget-smoke-$$"
export SECRETS_KEY="$(head -c 32 /dev/urandom | base64)"
export POSTGRES_PASSWORD="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export PROXY_PORT="${PROXY_PORT:-18080}"
export PUBLIC_URL="https://widget.localhost"
proxy="http://127.0.0.1:${PROXY_PORT}"

cleanup() { docker compose down --volumes --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() {
  echo "compose smoke test FAILED: $*" >&2
  docker compose ps >&2 || true
  docker compose logs --tail 40 >&2 || true
  exit 1
}

echo "building and starting ${COMPOSE_PROJECT_NAME} (proxy on ${proxy})..."
docker compose up --build --detach || fail "docker compose up failed"

deadline=$((SECONDS + 180))
until curl -fsS "${proxy}/healthz" >/dev/null 2>&1; do
  [ "${SECONDS}" -lt "${deadline}" ] || fail "no healthy answer through the proxy within 180 s"
  sleep 2
done
for service in widget-a widget-b; do
  health="$(docker inspect --format '{{.State.Health.Status}}' "$(docker compose ps -q "${service}")")"
  [ "${health}" = healthy ] || fail "${service} is ${health}, not healthy (Dockerfile HEALTHCHECK)"
  user="$(docker compose exec -T "${service}" id -u)"
  [ "${user}" != 0 ] || fail "${service} runs as root"
done

tenant_json="$(docker compose exec -T widget-a widget-admin tenant add --issuer smoke.example --origin https://host.example --json)" \
  || fail "widget-admin tenant add failed"
# The launch token is signed the way a host backend would, with jsonwebtoken (a production dependency).
launch_jwt="$(printf '%s' "${tenant_json}" | docker compose exec -T widget-b node --input-type=module -e "
  import jwt from 'jsonwebtoken';
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const tenant = JSON.parse(input);
  process.stdout.write(jwt.sign({ iss: tenant.issuer, aud: process.env.PUBLIC_URL, sub: 'smoke-user', jti: crypto.randomUUID() }, tenant.secret, { algorithm: 'HS256', expiresIn: 60 }));
")" || fail "could not sign a launch token"

session="$(curl -fsS -H 'Content-Type: application/json' -d "{\"jwt\":\"${launch_jwt}\"}" "${proxy}/api/session")" \
  || fail "POST /api/session through the proxy was refused"
token="$(printf '%s' "${session}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
[ -n "${token}" ] || fail "no token in ${session}"
for _ in $(seq 1 6); do
  curl -fsS -H "Authorization: Bearer ${token}" "${proxy}/api/me" >/dev/null || fail "GET /api/me through the proxy failed"
done
for service in widget-a widget-b; do
  docker compose logs "${service}" | grep -q '"path":"/api/me","status":200' || fail "${service} answered no GET /api/me: the proxy does not balance"
done
echo "compose smoke test passed: two healthy non-root nodes behind nginx, a launch and API calls answered by both"
