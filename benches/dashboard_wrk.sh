#!/usr/bin/env bash
# Dashboard cost as history grows: a release server on a database of 1,000 demo clients, then tasks added
# in steps (default 10,000, 50,000 and 1,000,000 in all) spread over the past year by agent and outcome,
# with a completed site audit per client a month; the past days of the daily task counts are folded as the
# workers do every minute (none runs here). At each step, one connection (wrk, 10 s) asks for the
# dashboard page rendered on the server (GET /?range=week and ?range=year) and the figures alone
# (POST /api/dashboard), and prints wrk's latency summary; then EXPLAIN ANALYZE of the heaviest query
# (tasks finished in the window, by bucket and agent) for the week and the year.
# Usage: benches/dashboard_wrk.sh [step ...]   e.g. benches/dashboard_wrk.sh 10000 50000 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}" LEPTOS_OUTPUT_NAME=ai-seo-architects
cargo build --release -p server -q
bin="$CARGO_TARGET_DIR/release/server"
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=(10000 50000 1000000)
db="aiseo_dash_$$"
port="${BENCH_PORT:-3191}"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
url="postgres://postgres@127.0.0.1:5432/$db"
export DATABASE_URL="$url" ADMIN_EMAIL=bench@aiseo.test ADMIN_PASSWORD=bench-password-123
"$bin" --log-level warn seed --clients 1000 --seed 42
REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="aiseo-dash-$$" APP_ENV=development LOG_LEVEL=warn WORKER_CONCURRENCY=0 \
  LISTEN_ADDR="127.0.0.1:$port" SITE_ROOT=target/site "$bin" serve >/tmp/aiseo-dash-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -o /dev/null -D - -X POST -H 'accept: application/json' \
  --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" \
  "http://127.0.0.1:$port/api/login" | sed -n 's/^set-cookie: \(aiseo_session=[^;]*\).*/\1/ip')

# Twelve monthly site audits per client (12,000 crawls), so the health figures have history.
psql -q -h 127.0.0.1 -U postgres -d "$db" -c "
  INSERT INTO crawls (id, client_id, start_url, status, max_pages, max_depth, health, started_at, finished_at)
  SELECT gen_random_uuid(), c.id, c.website, 'completed', 100, 5, 50 + (abs(hashtext(c.id::text || m)) % 50),
         now() - make_interval(days => 30 * m + 1), now() - make_interval(days => 30 * m + 1)
    FROM clients c, generate_series(0, 11) m;"

have=0
agents="ARRAY['chief_seo_strategist','business_development_director','task_coordinator','sales_operations_manager',
  'technical_seo_operations_manager','client_success_manager','lead_qualification','sales_conversation',
  'proposal_generation','technical_seo_auditor','content_strategy','link_building','competitive_analysis','reporting']"
for total in "${steps[@]}"; do
  add=$((total - have))
  if ((add > 0)); then
    # Spread evenly over the past 365 days; 85 % completed, 10 % failed, 5 % cancelled; 90 % on a client.
    psql -q -h 127.0.0.1 -U postgres -d "$db" -c "
      WITH cl AS (SELECT array_agg(id ORDER BY id) AS ids FROM clients)
      INSERT INTO tasks (id, task_type, agent, client_id, status, created_at, started_at, finished_at, duration_ms)
      SELECT gen_random_uuid(), 'client_analysis', ($agents)[1 + i % 14],
             CASE WHEN i % 10 = 0 THEN NULL ELSE cl.ids[1 + (i::bigint * 7919) % array_length(cl.ids, 1)] END,
             CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 10 = 1 THEN 'failed' ELSE 'completed' END,
             t, t, t + interval '3 seconds', 3000
        FROM cl, generate_series($have + 1, $total) i,
             LATERAL (SELECT now() - make_interval(secs => (i::float8 / $total) * 365 * 86400)) AS ts(t);
      SELECT task_daily_fold();"
    # One statement wrote every count above: vacuum as autovacuum would between ordinary writes.
    for table in tasks task_daily crawls events; do
      psql -q -h 127.0.0.1 -U postgres -d "$db" -c "VACUUM ANALYZE $table"
    done
    have=$total
  fi
  echo
  echo "== $total tasks, 1,000 clients"
  for path in "/?range=week" "/?range=year"; do
    echo "-- GET $path (server-rendered page)"
    wrk -t1 -c1 -d10s --latency -H "cookie: $cookie" "http://127.0.0.1:$port$path" | sed -n '/Latency Distribution/,/Requests\/sec/p'
  done
  script=$(mktemp --suffix=.lua)
  printf 'wrk.method = "POST"\nwrk.body = "range=week&from=&to="\nwrk.headers["content-type"] = "application/x-www-form-urlencoded"\nwrk.headers["accept"] = "application/json"\n' >"$script"
  echo "-- POST /api/dashboard range=week (figures only)"
  wrk -t1 -c1 -d10s --latency -s "$script" -H "cookie: $cookie" "http://127.0.0.1:$port/api/dashboard" | sed -n '/Latency Distribution/,/Requests\/sec/p'
  rm -f "$script"
  for days in 7 365; do
    echo "-- EXPLAIN ANALYZE: tasks finished in the last $days days and the $days before, by day and agent"
    psql -h 127.0.0.1 -U postgres -d "$db" -tAc "
      EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
      SELECT t.finished_at >= now() - interval '$days days',
             date_trunc('day', t.finished_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.agent, t.status, count(*)
        FROM tasks t LEFT JOIN clients c ON c.id = t.client_id
       WHERE t.finished_at >= now() - interval '$((days * 2)) days' AND t.finished_at < now()
       GROUP BY 1, 2, 3, 4" | grep -E "Scan|Execution Time"
  done
done
