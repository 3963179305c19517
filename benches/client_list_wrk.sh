#!/usr/bin/env bash
# Load run of the filtered client list with wrk (an external load generator, so the server has the CPU to
# itself apart from wrk): a release server on a database of 10,000 demo clients, an admin signed in,
# POST /api/clients/list rotating five realistic filter/sort/page shapes, 16 connections for 15 s.
# Prints wrk's own summary (requests/s and latency percentiles). Usage: benches/client_list_wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}" LEPTOS_OUTPUT_NAME=ai-seo-architects
cargo build --release -p server -q
bin="$CARGO_TARGET_DIR/release/server"
db="aiseo_wrk_$$"
port="${WRK_PORT:-3190}"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" ADMIN_EMAIL=bench@aiseo.test ADMIN_PASSWORD=bench-password-123
"$bin" --log-level warn seed --clients 10000 --seed 42
REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="aiseo-wrk-$$" APP_ENV=development LOG_LEVEL=warn \
  LISTEN_ADDR="127.0.0.1:$port" "$bin" serve >/tmp/aiseo-wrk-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -o /dev/null -D - -X POST -H 'accept: application/json' \
  --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" \
  "http://127.0.0.1:$port/api/login" | sed -n 's/^set-cookie: \(aiseo_session=[^;]*\).*/\1/ip')
script=$(mktemp --suffix=.lua)
cat >"$script" <<LUA
local bodies = {
  "query=industry%3Dsaas%26revenue_min%3D1000000%26sort%3Dannual_revenue%26dir%3Ddesc%26page%3D2",
  "query=country%3DUS%26stage%3Dwon%26sort%3Dmonthly_value%26dir%3Ddesc",
  "query=q%3Dstone%26employees_min%3D20%26sort%3Dcompany_name",
  "query=industry%3Decommerce%26employees_min%3D10%26employees_max%3D500%26sort%3Dcreated_at%26dir%3Ddesc%26page%3D3",
  "query=stage%3Dprospect%26revenue_min%3D500000%26revenue_max%3D50000000%26sort%3Demployee_count%26dir%3Ddesc%26per_page%3D50",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/api/clients/list", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "$cookie",
  }, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("client list: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d errors (non-2xx %d)\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA
wrk -t1 -c16 -d15s --latency -s "$script" "http://127.0.0.1:$port/api/clients/list"
rm -f "$script"
