#!/usr/bin/env bash
# `make bench`: where the wasm's bytes go, by twiggy (from crates.io, installed here on first use only: neither
# `make run` nor `make test` needs it). `twiggy top -n 20` of the optimized wasm kuki serves (dist/, else pkg/);
# if twiggy cannot read it, of the un-stripped one under target/. wasm-opt drops the function names, so when the
# optimized listing has none, the largest named code and data of the un-stripped wasm (before wasm-bindgen and
# wasm-opt, so larger; custom sections such as DWARF left out) follow, to say what those bytes are.
# Reports only: exit status 0 even when twiggy is unavailable.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if ! command -v twiggy >/dev/null 2>&1; then
  echo "bench: installing twiggy (cargo install twiggy --locked; once)"
  mkdir -p target
  if ! timeout 1200 cargo install twiggy --locked >target/bench-twiggy-install.log 2>&1; then
    echo "bench: cargo install twiggy failed (see target/bench-twiggy-install.log): no twiggy report"
    exit 0
  fi
fi

unstripped="$(ls -t target/wasm32-unknown-unknown/release/kuki.wasm target/nightly/wasm32-unknown-unknown/release/kuki.wasm 2>/dev/null | head -n 1)"
shown=""
for wasm in dist/kuki/pkg/kuki_bg.wasm pkg/kuki_bg.wasm $unstripped; do
  [[ -f "$wasm" ]] || continue
  if out="$(timeout 120 twiggy top -n 20 "$wasm" 2>&1)"; then
    echo "twiggy top -n 20 $wasm ($(stat -c %s "$wasm") bytes)"
    echo "$out"
    shown="$wasm"
    break
  fi
  echo "bench: twiggy cannot read $wasm: $(echo "$out" | head -n 3)"
done
[[ -n "$shown" ]] || { echo "bench: no wasm twiggy could read"; exit 0; }

if [[ -n "$unstripped" && "$shown" != "$unstripped" ]] && ! grep -qE '┊ [^ ]*[a-z_]+::' <<<"$out"; then
  if named="$(timeout 120 twiggy top -n 80 "$unstripped" 2>&1)"; then
    echo
    echo "the same code by name: twiggy top of $unstripped, code and data only, 20 largest"
    # Here-strings and sed, not `echo | head`: under pipefail, head closing early kills echo (SIGPIPE, exit 141).
    sed -n '1,2p' <<<"$named"
    sed -n '3,$p' <<<"$named" | grep -vE "custom section|subsection|\.\.\. and|Σ" | sed -n '1,20p' | cut -c 1-200
  fi
fi
