#!/usr/bin/env bash
# Builds the yew floor exactly as `make bundle` builds kuki (release, wasm-bindgen --target web, wasm-opt -Oz) into
# target/yew-floor/, using kuki's Cargo.lock so both use the same yew and wasm-bindgen.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/yew-floor"
mkdir -p "$out"
cp "$root/Cargo.lock" "$here/Cargo.lock"
CARGO_TARGET_DIR="$root/target/yew-floor/cargo" cargo build -q --release --target wasm32-unknown-unknown \
  --manifest-path "$here/Cargo.toml"
rm -f "$here/Cargo.lock"
wasm-bindgen --target web --out-dir "$out/pkg" --out-name floor "$out/cargo/wasm32-unknown-unknown/release/yew_floor.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$out/pkg/floor_bg.wasm" -o "$out/pkg/floor_bg.wasm"
echo "$out/pkg"
