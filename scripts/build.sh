#!/usr/bin/env bash
# Builds the site (WASM bundle, CSS, public assets) and the server binary, debug by default.
# Usage: scripts/build.sh [--release]
# The wasm-bindgen route (no cargo-leptos): cargo builds the frontend for wasm32, wasm-bindgen writes the
# JS glue, the server is built with the same LEPTOS_OUTPUT_NAME so its hydration scripts find the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
cargo_profile=()
wasm_profile=()
if [[ "${1:-}" == "--release" ]]; then
  profile=release
  cargo_profile=(--release)
  wasm_profile=(--profile wasm-release)
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}"
export LEPTOS_OUTPUT_NAME=ai-seo-architects
site="${SITE_ROOT:-target/site}"
mkdir -p "$site/pkg"

cargo build -p frontend --lib --target wasm32-unknown-unknown "${wasm_profile[@]}"
wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$([[ $profile == release ]] && echo wasm-release || echo debug)"
wasm="$wasm_dir/frontend.wasm"
stamp="$site/pkg/.built-from"
# Run wasm-bindgen only when the module changed since the last run.
if [[ ! -f "$stamp" || "$wasm" -nt "$stamp" || ! -f "$site/pkg/$LEPTOS_OUTPUT_NAME.wasm" ]]; then
  wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name "$LEPTOS_OUTPUT_NAME" "$wasm"
  mv "$site/pkg/${LEPTOS_OUTPUT_NAME}_bg.wasm" "$site/pkg/$LEPTOS_OUTPUT_NAME.wasm"
  touch "$stamp"
fi
cp style/main.css "$site/pkg/$LEPTOS_OUTPUT_NAME.css"
cp -r public/. "$site/"

cargo build -p server "${cargo_profile[@]}"
echo "built: $CARGO_TARGET_DIR/$profile/server, site in $site"
