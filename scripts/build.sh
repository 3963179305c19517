#!/usr/bin/env bash
# Builds the site (WASM bundle, CSS, public assets) and the server binary.
# Usage: scripts/build.sh [--release | --wasm-release]
#   (none)          debug WASM and debug server: quickest to build, for tests
#   --wasm-release  size-optimised WASM (wasm-release profile + wasm-opt) with a debug server: what
#                   scripts/run.sh serves by default
#   --release       size-optimised WASM and an optimised server
# The wasm-bindgen route (no cargo-leptos): cargo builds the frontend for wasm32, wasm-bindgen writes the
# JS glue, the server is built with the same LEPTOS_OUTPUT_NAME so its hydration scripts find the bundle.
# The JS glue and the WASM module also get content-hashed names (listed in hash.txt beside the server
# binary, where Leptos looks), and every text asset a gzip and a brotli copy the server sends by content
# negotiation.
set -euo pipefail
cd "$(dirname "$0")/.."
server_profile=debug
wasm_release=0
cargo_profile=()
case "${1:-}" in
  --release) server_profile=release; wasm_release=1; cargo_profile=(--release) ;;
  --wasm-release) wasm_release=1 ;;
  "" | --debug) ;;
  *) echo "usage: scripts/build.sh [--release | --wasm-release | --debug]" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/aiseo-target}"
export LEPTOS_OUTPUT_NAME=ai-seo-architects
name=$LEPTOS_OUTPUT_NAME
site="${SITE_ROOT:-target/site}"
mkdir -p "$site/pkg"

if [[ $wasm_release == 1 ]]; then
  cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release"
else
  cargo build -p frontend --lib --target wasm32-unknown-unknown
  wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/debug"
fi
wasm="$wasm_dir/frontend.wasm"
stamp="$CARGO_TARGET_DIR/.site-built-from"  # outside the site: never served
# The target directory may be shared by several checkouts, each with its own site: the stamp names both.
built_from="$wasm -> $(realpath -m "$site")"
# Run wasm-bindgen (and wasm-opt) only when the module or the kind of build changed since the last run.
if [[ ! -f "$stamp" || "$wasm" -nt "$stamp" || "$(cat "$stamp")" != "$built_from" || ! -f "$site/pkg/$name.wasm" ]]; then
  rm -f "$site/pkg/$name".*
  wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name "$name" "$wasm"
  mv "$site/pkg/${name}_bg.wasm" "$site/pkg/$name.wasm"
  if [[ $wasm_release == 1 ]]; then
    # binaryen 132 from npm (Debian's 108 corrupts the module); -Oz for size, names and debug info dropped.
    wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$site/pkg/$name.wasm" -o "$site/pkg/$name.opt.wasm"
    mv "$site/pkg/$name.opt.wasm" "$site/pkg/$name.wasm"
  fi
  printf '%s' "$built_from" >"$stamp"
fi
# -p keeps the times, so unchanged files are not compressed again.
cp -p style/main.css "$site/pkg/$name.css"
cp -rp public/. "$site/"

# Content-hashed copies of the glue and the module: their names change with their bytes, so the server
# can let browsers keep them for a year (Cache-Control: immutable).
hash_of() { sha256sum "$1" | cut -c1-16; }
js_hash=$(hash_of "$site/pkg/$name.js")
wasm_hash=$(hash_of "$site/pkg/$name.wasm")
find "$site/pkg" -maxdepth 1 -regextype posix-extended -regex ".*/$name\.[0-9a-f]{16}\.(js|wasm)(\.gz|\.br)?" -delete
cp "$site/pkg/$name.js" "$site/pkg/$name.$js_hash.js"
cp "$site/pkg/$name.wasm" "$site/pkg/$name.$wasm_hash.wasm"
mkdir -p "$CARGO_TARGET_DIR/$server_profile"
printf 'js: %s\nwasm: %s\n' "$js_hash" "$wasm_hash" >"$CARGO_TARGET_DIR/$server_profile/hash.txt"

# Precompressed copies, refreshed only when the file changed.
compress() {
  local f=$1
  [[ -f "$f.gz" && ! "$f" -nt "$f.gz" ]] || gzip -9 -k -f -n "$f"
  [[ -f "$f.br" && ! "$f" -nt "$f.br" ]] || brotli -q 11 -f -k "$f"
}
for f in "$site/pkg/$name".*.js "$site/pkg/$name".*.wasm "$site/pkg/$name.js" "$site/pkg/$name.wasm" \
  "$site/pkg/$name.css" "$site/echarts.min.js" "$site/charts.js" "$site/favicon.svg"; do
  [[ -f $f ]] && compress "$f"
done

cargo build -p server "${cargo_profile[@]}"
echo "built: $CARGO_TARGET_DIR/$server_profile/server ($( [[ $wasm_release == 1 ]] && echo optimised || echo debug ) WASM), site in $site"
