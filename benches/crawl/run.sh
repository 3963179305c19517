#!/usr/bin/env bash
# Crawler benchmark: a synthetic site (server/examples/bench_site.rs: 20-60 KB pages, 20-60 internal links,
# images, a sitemap index, robots.txt and seeded defects) served on 127.0.0.1, audited end to end by the
# release `server audit` with issues streamed to /dev/null. Prints pages/s and the audit process's peak RSS
# (/usr/bin/time -v "Maximum resident set size") per site size.
#
# Usage: benches/crawl/run.sh [PAGES...]        (default: 10000 100000)
# Env:   CONCURRENCY (default 8, the CLI default: on 2 cores more only adds contention), SEED (default 42),
#        CARGO_TARGET_DIR (default /var/tmp/aiseo-target),
#        BIN_DIR (a directory holding already built `server` and `bench_site`: skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}" LEPTOS_OUTPUT_NAME=ai-seo-architects
if [ -n "${BIN_DIR:-}" ]; then
  server="$BIN_DIR/server" site="$BIN_DIR/bench_site"
else
  cargo build --release -q -p server --bin server --example bench_site
  server="$CARGO_TARGET_DIR/release/server" site="$CARGO_TARGET_DIR/release/examples/bench_site"
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
concurrency="${CONCURRENCY:-8}"
seed="${SEED:-42}"
work=$(mktemp -d /var/tmp/aiseo-crawl-bench.XXXXXX)
site_pid=""
trap '[ -n "$site_pid" ] && kill "$site_pid" 2>/dev/null; rm -rf "$work"' EXIT

printf '%-8s %-8s %-10s %-10s %-12s %s\n' pages crawled seconds pages/s peak_rss_mb health
for n in "${sizes[@]}"; do
  "$site" --pages "$n" --seed "$seed" >"$work/site.log" 2>&1 &
  site_pid=$!
  for _ in $(seq 1 100); do grep -q '^listening on ' "$work/site.log" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$work/site.log")
  /usr/bin/time -v "$server" audit "$base/" --allow-private --max-pages "$n" --max-depth 100 \
    --time-budget 3600 --concurrency "$concurrency" --format csv --out /dev/null \
    >"$work/audit.out" 2>"$work/audit.time"
  kill "$site_pid" 2>/dev/null || true
  wait "$site_pid" 2>/dev/null || true
  site_pid=""
  summary=$(head -1 "$work/audit.out")
  crawled=$(sed -n 's/^pages: \([0-9]*\) .*/\1/p' <<<"$summary")
  seconds=$(sed -n 's/.* in \([0-9.]*\) s = .*/\1/p' <<<"$summary")
  rate=$(sed -n 's/.* = \([0-9]*\) pages\/s.*/\1/p' <<<"$summary")
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/audit.time")
  health=$(sed -n 's/^health score: \([0-9.]*\).*/\1/p' "$work/audit.out")
  printf '%-8s %-8s %-10s %-10s %-12s %s\n' "$n" "$crawled" "$seconds" "$rate" "$((rss_kb / 1024))" "$health"
  sed 's/^/    /' "$work/audit.out"
done
