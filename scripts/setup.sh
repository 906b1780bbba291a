#!/usr/bin/env bash
# Installs whatever kuki's build and tests need that this Debian machine lacks, and nothing else.
#
#   scripts/setup.sh run    what `make run` needs: the rust wasm32 target, wasm-pack, wasm-bindgen-cli and the npm
#                           dependencies (binaryen's wasm-opt) only. No browser, no database, nothing from apt.
#   scripts/setup.sh test   all of run, plus what only the tests need: the npm devDependencies (playwright-core,
#                           axe-core, vite, typescript), and Chromium, chromedriver, CJK fonts and PostgreSQL from
#                           apt. The default.
#
# Idempotent and fast when everything is there: every step checks before it installs.
# Nothing here downloads a prebuilt binary (this workplace only reaches cargo, npm and apt registries):
# wasm-bindgen-cli comes from cargo at exactly Cargo.lock's wasm-bindgen version, wasm-opt from npm's `binaryen`
# (Debian's wasm-opt 108 cannot parse current Rust output), Chromium and chromedriver from apt.
#
# Steps: rust target -> nightly rust-src (when nightly is there) -> wasm-pack -> wasm-bindgen-cli -> npm packages -> apt packages (test only).
# Set KUKI_SETUP_SKIP_APT=1 to leave apt alone (for machines where you are not root).
set -euo pipefail

mode="${1:-test}"
case "$mode" in
  run | test) ;;
  *)
    printf 'usage: %s [run|test]   (run: what `make run` needs; test: that and what the tests need)\n' "$0" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"

say() { printf 'setup: %s\n' "$*" >&2; }

# 1. The wasm target.
if ! command -v cargo >/dev/null 2>&1; then
  say "cargo is missing: install Rust with rustup first"
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  say "npm is missing: install Node.js 20 or newer first"
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 1b. The standard library's sources for the nightly toolchain, when the machine has one: scripts/build-wasm.sh
#     then builds the bundle with -Z build-std (about 12 KiB brotli smaller). Without nightly, or if rustup
#     cannot add the component, the bundle is built on stable as before: a notice, not a failure.
if rustup run nightly rustc --version >/dev/null 2>&1 &&
  ! [[ -d "$(rustup run nightly rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]]; then
  say "adding rust-src to the nightly toolchain (for the smaller -Z build-std bundle)"
  timeout 300 rustup component add rust-src --toolchain nightly ||
    say "notice: could not add rust-src to nightly; the bundle is built on stable"
fi

# 2. wasm-pack.
if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack from crates.io"
  cargo install wasm-pack
fi

# 3. wasm-bindgen-cli at the version Cargo.lock pins: wasm-bindgen refuses a CLI of any other version, and
#    wasm-pack would otherwise try to download one. Never `--locked`: one of its locked dependencies is yanked.
want_bindgen="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [[ -z "$want_bindgen" ]]; then
  say "Cargo.lock names no wasm-bindgen version"
  exit 1
fi
have_bindgen="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$have_bindgen" != "$want_bindgen" ]]; then
  say "installing wasm-bindgen-cli $want_bindgen (found '${have_bindgen:-none}')"
  cargo install wasm-bindgen-cli --version "$want_bindgen" --force
fi

# 4. npm packages. run: `dependencies` only (binaryen's wasm-opt builds the bundle, rolldown minifies its glue);
#    test: the devDependencies too
#    (playwright-core drives Chromium, axe-core audits accessibility, vite and typescript build and type-check the
#    npm package's test app). npm writes node_modules/.package-lock.json on
#    every install; a lock newer than it means a stale tree. A run-only tree is not ready for test (the full
#    `npm ci` runs then), and a run never strips a tree that has the test packages.
npm_tree_fresh() {
  [[ -x node_modules/.bin/wasm-opt && -f node_modules/.package-lock.json ]] || return 1
  [[ ! package-lock.json -nt node_modules/.package-lock.json && ! package.json -nt node_modules/.package-lock.json ]]
}
npm_test_packages() {
  [[ -f node_modules/playwright-core/package.json && -f node_modules/axe-core/axe.min.js && -x node_modules/.bin/vite &&
    -x node_modules/.bin/tsc ]]
}
npm_ready() {
  npm_tree_fresh || return 1
  [[ "$mode" == run ]] || npm_test_packages
}
if ! npm_ready; then
  npm_args=(--no-audit --no-fund)
  if [[ "$mode" == run ]] && ! npm_test_packages; then
    npm_args+=(--omit=dev)
  fi
  if [[ -f package-lock.json ]]; then
    say "npm ci ${npm_args[*]}"
    npm ci "${npm_args[@]}"
  else
    say "npm install (no lock yet) ${npm_args[*]}"
    npm install "${npm_args[@]}"
  fi
fi

# 5. Debian packages, for test only: the browser and its driver, CJK fonts (screenshots of Korean text), PostgreSQL
#    (the server's second store is tested against a real one). Running kuki needs none of them.
apt_packages=()
if [[ "$mode" == test ]]; then
  apt_packages=(chromium chromium-driver fonts-noto-cjk postgresql)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ "${KUKI_SETUP_SKIP_APT:-0}" == 1 ]]; then
    say "missing Debian packages (apt skipped by KUKI_SETUP_SKIP_APT): ${missing[*]}"
  else
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
    say "apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}"
  fi
elif [[ "$mode" == run ]]; then
  say "Debian packages: none needed for run"
fi

say "ready for $mode (wasm-bindgen $want_bindgen, $(wasm-opt --version 2>/dev/null | head -1))"
