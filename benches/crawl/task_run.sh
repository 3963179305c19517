#!/usr/bin/env bash
# The audit as the web app runs it: the release `server serve` (its in-process worker) crawls the synthetic
# site of server/examples/bench_site.rs as a technical SEO audit task, streaming pages, links, text samples
# and issues into Postgres. Prints the crawl's pages/s (from the crawl row), the server's peak RSS (VmHWM,
# the whole web process: worker, pool and app), the rows stored, and the time and peak RSS after streaming
# the pages and issues exports.
#
# Usage: benches/crawl/task_run.sh [PAGES...]        (default: 10000)
# Env:   BIN_DIR (a directory with built `server` and `bench_site`: skips the build), SEED (default 42),
#        DATABASE_HOST (default postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}" LEPTOS_OUTPUT_NAME=ai-seo-architects
if [ -n "${BIN_DIR:-}" ]; then
  server="$BIN_DIR/server" site="$BIN_DIR/bench_site"
else
  cargo build --release -q -p server --bin server --example bench_site
  server="$CARGO_TARGET_DIR/release/server" site="$CARGO_TARGET_DIR/release/examples/bench_site"
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
seed="${SEED:-42}"
pg="postgres://${DATABASE_HOST:-postgres@127.0.0.1:5432}"
work=$(mktemp -d /var/tmp/aiseo-task-bench.XXXXXX)
pids=()
db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$db" ] && psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hwm_mb() { awk '/^VmHWM:/ {print int($2/1024)}' "/proc/$1/status"; }
rss_mb() { awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$1/status"; }

printf '%-8s %-8s %-9s %-8s %-14s %-10s %-10s %-10s %s\n' \
  pages crawled seconds pages/s server_peak_mb links issues export_s peak_after_export_mb
for n in "${sizes[@]}"; do
  db="aiseo_task_bench_$$_$n"
  psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
  "$site" --pages "$n" --seed "$seed" >"$work/site.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q '^listening on ' "$work/site.log" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$work/site.log")
  port=$(free_port)
  DATABASE_URL="$pg/$db" LISTEN_ADDR="127.0.0.1:$port" APP_ENV=development LOG_LEVEL=warn \
    ADMIN_EMAIL=bench@aiseo.test ADMIN_PASSWORD=bench-password-2026 WORKER_CONCURRENCY=1 \
    CRAWL_ALLOW=127.0.0.0/8 CRAWL_MAX_PAGES="$n" CRAWL_MAX_DEPTH=100 CRAWL_TIME_BUDGET_SECS=3600 \
    "$server" serve >"$work/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  app="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do curl -sf "$app/ready" >/dev/null && break; sleep 0.1; done
  jar="$work/cookies"
  curl -sf -c "$jar" -b "$jar" -d email=bench@aiseo.test -d password=bench-password-2026 "$app/api/login" >/dev/null
  form=(-d "input[company_name]=Bench site $n" -d "input[website]=bench.example" -d "input[industry]=saas"
    -d "input[country]=DE" -d "input[stage]=won" -d "input[monthly_value]=0" -d account_manager=)
  for f in annual_revenue employee_count competitor_domains contact_name contact_email contact_phone lead_budget \
    lead_timeline lead_decision_maker_role lead_pain_points lead_source notes; do
    form+=(-d "input[$f]=")
  done
  client=$(curl -sf -c "$jar" -b "$jar" "${form[@]}" "$app/api/clients/create" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  # The client form takes domain names; the benchmark site is an address.
  psql -q "$pg/$db" -c "UPDATE clients SET website = '$base/' WHERE id = '$client'" >/dev/null
  before_mb=$(rss_mb "$server_pid")
  curl -sf -c "$jar" -b "$jar" -d "client_id=$client" "$app/api/audits/run" >/dev/null
  status=running
  while [ "$status" != "completed" ] && [ "$status" != "failed" ] && [ "$status" != "cancelled" ]; do
    sleep 1
    status=$(psql -qtA "$pg/$db" -c "SELECT coalesce((SELECT status FROM crawls WHERE kind = 'site' LIMIT 1), 'queued')")
  done
  read -r crawl crawled seconds < <(psql -qtA -F ' ' "$pg/$db" -c \
    "SELECT id, pages_done, round(extract(epoch FROM finished_at - started_at)::numeric, 1) FROM crawls WHERE kind = 'site'")
  peak_mb=$(hwm_mb "$server_pid")
  read -r links issues < <(psql -qtA -F ' ' "$pg/$db" -c \
    "SELECT (SELECT count(*) FROM crawl_links), (SELECT count(*) FROM crawl_issues)")
  start=$(date +%s.%N)
  curl -sf -b "$jar" "$app/export/crawls/$crawl/pages.csv" -o "$work/pages.csv"
  curl -sf -b "$jar" "$app/export/crawls/$crawl/issues.csv" -o "$work/issues.csv"
  export_s=$(python3 -c "import time; print(round(time.time() - $start, 1))")
  rate=$(python3 -c "print(round($crawled / max($seconds, 0.1)))")
  printf '%-8s %-8s %-9s %-8s %-14s %-10s %-10s %-10s %s\n' \
    "$n" "$crawled" "$seconds" "$rate" "$peak_mb (idle $before_mb)" "$links" "$issues" "$export_s" "$(hwm_mb "$server_pid")"
  echo "    status $status; export rows: $(($(wc -l <"$work/pages.csv") - 1)) pages, $(($(wc -l <"$work/issues.csv") - 1)) issue lines"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
  sleep 1
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  db=""
done
