#!/usr/bin/env bash
# Runs every test: cargo's unit and integration tests (real Postgres and Redis, a database per test),
# then the Playwright suite in Debian's Chromium against a freshly built server on its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}"
export CARGO_TERM_COLOR=never
# Same value as scripts/build.sh: leptos reads it at compile time, so a different value would rebuild it.
export LEPTOS_OUTPUT_NAME=ai-seo-architects

echo "== cargo test"
cargo test -p ai-seo-architects -p app -p server -p reports --features ai-seo-architects/server 2>&1 | tee /tmp/aiseo-cargo-test.log
cargo_status=${PIPESTATUS[0]}
grep -E '^test result:' /tmp/aiseo-cargo-test.log | awk '{p+=$4; f+=$6} END {print "cargo summary: " p " passed, " f " failed"}'
[[ $cargo_status == 0 ]] || { echo "cargo test failed"; exit "$cargo_status"; }

echo "== build site and server"
scripts/build.sh

echo "== end-to-end (Playwright, Chromium)"
db="aiseo_e2e_$$"
port="${E2E_PORT:-3123}"
psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres >/dev/null
log=/tmp/aiseo-e2e-server.log
# CRAWL_ALLOW: the audit tests crawl a fixture site they serve on 127.0.0.1.
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379" REDIS_KEY_PREFIX="aiseo-e2e-$$" \
  CRAWL_ALLOW=127.0.0.0/8 API_RATE_PER_MINUTE=1000000 \
  LISTEN_ADDR="127.0.0.1:$port" APP_ENV=development LOG_LEVEL=warn \
  ADMIN_EMAIL=admin@aiseo.test ADMIN_PASSWORD=admin-password-e2e ADMIN_NAME="E2E Admin" \
  "$CARGO_TARGET_DIR/debug/server" serve >"$log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres >/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log"; echo "server exited"; exit 1; }
  sleep 0.2
done
set +e
(cd end2end && E2E_BASE_URL="http://127.0.0.1:$port" E2E_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
  E2E_ADMIN_EMAIL=admin@aiseo.test \
  E2E_ADMIN_PASSWORD=admin-password-e2e E2E_ADMIN_NAME="E2E Admin" npx playwright test)
e2e_status=$?
set -e
if [[ $e2e_status != 0 ]]; then
  echo "--- server log (last 50 lines)"; tail -n 50 "$log"
fi

echo "== API fuzzing (schemathesis, from /api/v1/openapi.json)"
# A token of the admin, made through the app; every check but "schema-valid data is accepted" (some rules
# span two fields and JSON Schema can't say them: a maximum not below its minimum, which task types need a
# client) and cursors are only valid when the API gave them out.
cookies=$(mktemp)
curl -sf -c "$cookies" -H 'accept: application/json' --data-urlencode "email=admin@aiseo.test" \
  --data-urlencode "password=admin-password-e2e" "http://127.0.0.1:$port/api/login" >/dev/null
token=$(curl -sf -b "$cookies" -H 'accept: application/json' --data-urlencode "input[name]=schemathesis" \
  "http://127.0.0.1:$port/api/tokens/create" | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
set +e
"$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis" run \
  "http://127.0.0.1:$port/api/v1/openapi.json" -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance --max-examples 50 --seed 1
fuzz_status=$?
set -e

echo "== first run (the README's run command from a fresh state)"
set +e
scripts/first-run-check.sh
first_run_status=$?
set -e
[[ $e2e_status == 0 ]] || exit $e2e_status
[[ $fuzz_status == 0 ]] || { echo "schemathesis found failures"; exit $fuzz_status; }
exit $first_run_status
