#!/usr/bin/env bash
# Installs whatever kuki's build and tests need that this Debian machine lacks, and nothing else.
#
# Idempotent and fast when everything is there: every step checks before it installs.
# Nothing here downloads a prebuilt binary (this workplace only reaches cargo, npm and apt registries):
# wasm-bindgen-cli comes from cargo at exactly Cargo.lock's wasm-bindgen version, wasm-opt from npm's `binaryen`
# (Debian's wasm-opt 108 cannot parse current Rust output), Chromium and chromedriver from apt.
#
# Steps: rust target -> wasm-pack -> wasm-bindgen-cli -> npm devDependencies -> apt packages.
# Set KUKI_SETUP_SKIP_APT=1 to leave apt alone (for machines where you are not root).
set -euo pipefail

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

# 4. npm devDependencies: wasm-opt (binaryen), playwright-core, axe-core.
#    npm writes node_modules/.package-lock.json on every install; a lock newer than it means a stale tree.
npm_ready() {
  [[ -x node_modules/.bin/wasm-opt && -f node_modules/playwright-core/package.json \
    && -f node_modules/axe-core/axe.min.js && -f node_modules/.package-lock.json ]] || return 1
  [[ ! package-lock.json -nt node_modules/.package-lock.json && ! package.json -nt node_modules/.package-lock.json ]]
}
if ! npm_ready; then
  if [[ -f package-lock.json ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund
  else
    say "npm install (no lock yet)"
    npm install --no-audit --no-fund
  fi
fi

# 5. Debian packages: the browser and its driver, CJK fonts (screenshots of Korean text), PostgreSQL (the server's
#    second store is tested against a real one).
missing=()
for pkg in chromium chromium-driver fonts-noto-cjk postgresql; do
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
fi

say "ready (wasm-bindgen $want_bindgen, $(wasm-opt --version 2>/dev/null | head -1))"
