#!/usr/bin/env bash
# Runs the README's run command the way a newcomer's first start does: no admin password file and no
# database yet. Waits for /ready, then signs in with the password the run command printed.
# Uses its own database name, password file and port, so it never touches a developer's `aiseo` database.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${FIRST_RUN_PORT:-3197}"
db="aiseo_first_run_$$"
work=$(mktemp -d)
log="$work/run.log"
export DEV_DATABASE_NAME="$db" DEV_ADMIN_PASSWORD_FILE="$work/dev-admin-password"
export LISTEN_ADDR="127.0.0.1:$port" DEMO_CLIENTS="${DEMO_CLIENTS:-25}" LOG_LEVEL=warn
unset DATABASE_URL ADMIN_PASSWORD ADMIN_EMAIL
psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres >/dev/null

setsid scripts/run.sh "$@" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The run command may build first: allow it 20 minutes.
ready=0
for _ in $(seq 1 2400); do
  if curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then ready=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; status=$?
    echo "first run: scripts/run.sh exited with status $status before the app was ready"; tail -n 30 "$log"; exit 1
  fi
  sleep 0.5
done
[[ $ready == 1 ]] || { echo "first run: /ready did not answer"; tail -n 30 "$log"; exit 1; }

password=$(sed -n 's/.*Sign in as admin@aiseo.local with password: \(.*\)$/\1/p' "$log" | head -n1)
[[ ${#password} -ge 20 ]] || { echo "first run: no admin password printed"; tail -n 30 "$log"; exit 1; }
[[ "$(cat "$DEV_ADMIN_PASSWORD_FILE")" == "$password" ]] || { echo "first run: printed password is not the kept one"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'accept: application/json' \
  --data-urlencode "email=admin@aiseo.local" --data-urlencode "password=$password" "http://127.0.0.1:$port/api/login")
[[ $code == 200 ]] || { echo "first run: signing in with the printed password answered $code"; exit 1; }
echo "first run: ready, and the printed admin login signs in"
