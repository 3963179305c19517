#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there:
# the wasm32 target, wasm-bindgen-cli (same version as the crate), and with --test also Chromium and the
# end-to-end node packages. Starts the machine's Postgres and Redis when they are installed but down.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  # Without --locked: the CLI's lock file names a crate version the registry no longer has.
  CARGO_TARGET_DIR="${CARGO_TOOLS_TARGET_DIR:-/var/tmp/aiseo-cargo-tools}" \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# ECharts for the charts (charming's browser renderer calls the global `echarts`), from the npm registry.
if [[ ! -s public/echarts.min.js ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent echarts@5.6.0 >/dev/null && tar xzf echarts-5.6.0.tgz package/dist/echarts.min.js)
  cp "$tmp/package/dist/echarts.min.js" public/echarts.min.js
  rm -rf "$tmp"
fi

apt_updated=0
apt_install() {
  if [[ $apt_updated == 0 ]]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Precompressed assets (gzip is always there; brotli comes from Debian's package).
command -v brotli >/dev/null || apt_install brotli
# wasm-opt for the size-optimised WASM: binaryen 132 from npm (Debian's binaryen 108 corrupts the module).
WASM_OPT_VERSION=132
if [[ "$(wasm-opt --version 2>/dev/null || true)" != *"version $WASM_OPT_VERSION"* ]]; then
  npm install -g --silent --no-audit --no-fund "binaryen@$WASM_OPT_VERSION.0.0"
fi

if [[ "${1:-}" == "--test" ]]; then
  command -v chromium >/dev/null || apt_install chromium
  command -v redis-server >/dev/null || apt_install redis-server
  # The report tests read the text back out of generated PDFs.
  command -v pdftotext >/dev/null || apt_install poppler-utils
  # Schemathesis (PyPI) fuzzes the REST API from its OpenAPI document.
  SCHEMATHESIS_VERSION=4.32.5
  if ! python3 -m pip show schemathesis 2>/dev/null | grep -qx "Version: $SCHEMATHESIS_VERSION"; then
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  # aiosmtpd (PyPI): the local SMTP server the report email tests and benchmark send to.
  AIOSMTPD_VERSION=1.4.6
  if ! python3 -m pip show aiosmtpd 2>/dev/null | grep -qx "Version: $AIOSMTPD_VERSION"; then
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "aiosmtpd==$AIOSMTPD_VERSION"
  fi
  # `npm ls` fails when node_modules does not hold what the lock file names (a fresh clone, a new package).
  if ! (cd end2end && npm ls --silent >/dev/null 2>&1); then
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi

# Services the machine runs: start them if they are installed and down.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis || true
fi
