#!/usr/bin/env bash
# Sets up what is missing and runs the app on embedded defaults at http://127.0.0.1:3000:
# a local Postgres database (the machine's, or a throwaway cluster under /var/tmp when none answers),
# in-memory sessions unless REDIS_URL is set, migrations applied, a first admin created and printed.
# Usage: scripts/run.sh [--debug | --release]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}"

db="${DEV_DATABASE_NAME:-aiseo}"
if [[ -z "${DATABASE_URL:-}" ]]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
    psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres >/dev/null
  else
    # No Postgres answers: a throwaway cluster of Debian's postgresql, trust auth, port 5439.
    command -v pg_ctlcluster >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
    bin="/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -n1)/bin"
    data=/var/tmp/aiseo-pg
    if [[ ! -d $data ]]; then
      mkdir -p "$data" && chown postgres "$data"
      runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
    fi
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -o "-p 5439 -k /tmp" -l "$data/log" status >/dev/null ||
      runuser -u postgres -- "$bin/pg_ctl" -D "$data" -o "-p 5439 -k /tmp" -l "$data/log" -w start >/dev/null
    psql -h 127.0.0.1 -p 5439 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1 ||
      psql -h 127.0.0.1 -p 5439 -U postgres -c "CREATE DATABASE $db" postgres >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:5439/$db"
  fi
fi

# The browser gets the size-optimised WASM by default; the server stays a debug build so the first start
# is quick. --debug builds both for debugging, --release optimises both.
case "${1:-}" in
  --debug) scripts/build.sh; profile=debug ;;
  --release) scripts/build.sh --release; profile=release ;;
  "") scripts/build.sh --wasm-release; profile=debug ;;
  *) echo "usage: scripts/run.sh [--debug | --release]" >&2; exit 2 ;;
esac
bin="$CARGO_TARGET_DIR/$profile/server"

# The first admin: created once, its password kept in target/ so later runs print the same login.
export ADMIN_EMAIL="${ADMIN_EMAIL:-admin@aiseo.local}"
export ADMIN_NAME="${ADMIN_NAME:-Administrator}"
secret="${DEV_ADMIN_PASSWORD_FILE:-target/dev-admin-password}"
if [[ -z "${ADMIN_PASSWORD:-}" ]]; then
  mkdir -p "$(dirname "$secret")"
  if [[ ! -s $secret ]]; then
    # Read a bounded amount of randomness first: `tr </dev/urandom | head` dies of SIGPIPE under pipefail.
    password=""
    while ((${#password} < 20)); do
      password+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-HJ-NP-Za-km-z2-9')
    done
    printf '%s' "${password:0:20}" >"$secret"
  fi
  ADMIN_PASSWORD="$(cat "$secret")"
fi
export ADMIN_PASSWORD
# Demo data on first run (refused, harmlessly, when the database already has clients).
"$bin" seed --clients "${DEMO_CLIENTS:-300}" --seed "${DEMO_SEED:-42}" 2>/dev/null || true
export APP_ENV="${APP_ENV:-development}" LOG_FORMAT="${LOG_FORMAT:-pretty}" LISTEN_ADDR="${LISTEN_ADDR:-127.0.0.1:3000}"

cat <<MSG

  AI SEO Architects is starting at http://$LISTEN_ADDR
  Sign in as $ADMIN_EMAIL with password: $ADMIN_PASSWORD
  (created on first start; if this database already had users, their passwords stand)
  Demo users: alex@ / bea@ / chen@demo.aiseo.test (account managers), sam@ / rita@demo.aiseo.test (staff),
  dana@demo.aiseo.test (a client's person: the client portal), password demo-password-2026
  Database: $DATABASE_URL   Sessions: ${REDIS_URL:-in memory (set REDIS_URL for Redis)}

MSG
exec "$bin" serve
