#!/usr/bin/env bash
# Builds the wasm bundle into pkg/ (wasm-pack, release, wasm-opt from Cargo.toml's metadata), on stable Rust or,
# when a nightly toolchain with rust-src is there, on nightly with the standard library rebuilt for size
# (issue 8: the default build stays on stable; nightly is an opt-in that `make bundle` takes when it can).
#
#   KUKI_NIGHTLY=auto  (default) nightly if `rustup run nightly` works and has rust-src, else stable; a nightly
#                      build that fails falls back to stable with a warning
#   KUKI_NIGHTLY=1     nightly or fail
#   KUKI_NIGHTLY=0     stable
#
# The nightly build (measured against stable on the same sources: ~12 KiB brotli less):
#   -Z build-std=std,panic_abort            std compiled with the bundle's own opt-level "z" and LTO
#   -Z build-std-features=optimize_for_size std's smaller algorithms (sorting, formatting)
#   -C panic=immediate-abort                a panic traps at once: no panic messages, locations or formatting
#   -Z location-detail=none                 no file names and lines kept for panics (track_caller)
#   -Z fmt-debug=none                       `{:?}` prints nothing (kuki formats no Debug text for people)
#   -C symbol-mangling-version=legacy       short export names for the closures wasm-bindgen exports
# It builds into target/nightly so that switching between the two rebuilds neither.
set -euo pipefail
cd "$(dirname "$0")/.."

build=(wasm-pack build --mode no-install --release --target web --out-dir pkg --out-name kuki --no-pack .)
mode="${KUKI_NIGHTLY:-auto}"

nightly_ready() {
  local sysroot
  sysroot="$(rustup run nightly rustc --print sysroot 2>/dev/null)" || return 1
  [[ -d "$sysroot/lib/rustlib/src/rust/library/std" ]]
}

build_nightly() {
  RUSTUP_TOOLCHAIN=nightly CARGO_TARGET_DIR="$PWD/target/nightly" \
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none -Csymbol-mangling-version=legacy" \
    "${build[@]}" -- -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
}

build_stable() {
  "${build[@]}"
}

case "$mode" in
  0)
    build_stable
    echo "build-wasm: built on stable Rust (KUKI_NIGHTLY=0)"
    ;;
  1)
    nightly_ready || { echo "build-wasm: KUKI_NIGHTLY=1 but there is no nightly toolchain with rust-src" >&2; exit 1; }
    build_nightly
    echo "build-wasm: built on nightly Rust with -Z build-std (KUKI_NIGHTLY=1)"
    ;;
  auto)
    if ! nightly_ready; then
      build_stable
      echo "build-wasm: built on stable Rust (no nightly toolchain with rust-src; KUKI_NIGHTLY=auto)"
    elif build_nightly; then
      echo "build-wasm: built on nightly Rust with -Z build-std (KUKI_NIGHTLY=auto; KUKI_NIGHTLY=0 for stable)"
    else
      echo "build-wasm: warning: the nightly build failed; building on stable Rust instead" >&2
      build_stable
      echo "build-wasm: built on stable Rust (the nightly build failed; KUKI_NIGHTLY=auto)"
    fi
    ;;
  *)
    echo "build-wasm: KUKI_NIGHTLY must be auto, 0 or 1 (got '$mode')" >&2
    exit 2
    ;;
esac
