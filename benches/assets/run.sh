#!/usr/bin/env bash
# What a browser downloads: builds the site as `scripts/run.sh` serves it (optimised WASM, precompressed
# assets), starts the server on a throwaway database with the demo agency, and measures in Chromium the
# bytes on the wire and the time to hydration of a cold and a warm load of each page.
#
# Usage: benches/assets/run.sh [--debug] [PATH...]     (default paths: /clients /clients/stats)
#   --debug measures the debug WASM bundle instead (what `scripts/run.sh --debug` serves).
# Env: PORT (default 3195), CARGO_TARGET_DIR (default /var/tmp/aiseo-target), SKIP_BUILD=1 to measure what
#      was built last.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=--wasm-release
if [[ "${1:-}" == "--debug" ]]; then mode=--debug; shift; fi
paths=("$@")
[[ ${#paths[@]} -gt 0 ]] || paths=(/clients /clients/stats)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}"
scripts/setup.sh --test >/dev/null
[[ "${SKIP_BUILD:-}" == 1 ]] || scripts/build.sh "$mode" >/dev/null
port="${PORT:-3195}"
db="aiseo_assets_bench_$$"
psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres >/dev/null
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres >/dev/null || true
}
trap cleanup EXIT
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" LISTEN_ADDR="127.0.0.1:$port" APP_ENV=development \
  LOG_LEVEL=warn ADMIN_EMAIL=bench@aiseo.test ADMIN_PASSWORD=bench-password-2026 WORKER_CONCURRENCY=0
"$CARGO_TARGET_DIR/debug/server" seed --clients 300 --seed 42 >/dev/null 2>&1 || true
"$CARGO_TARGET_DIR/debug/server" serve >/tmp/aiseo-assets-bench.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
pkg=target/site/pkg
echo "module: $(stat -c %s "$pkg/ai-seo-architects.wasm") bytes raw, $(stat -c %s "$pkg/ai-seo-architects.wasm.gz") gzip, $(stat -c %s "$pkg/ai-seo-architects.wasm.br") brotli"
node benches/assets/measure.mjs "http://127.0.0.1:$port" bench@aiseo.test bench-password-2026 "${paths[@]}"
