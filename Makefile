# kuki's two commands, and the steps behind them.
#
#   make run     install what running needs, build the wasm bundle (release, wasm-opt), start kuki-server
#   make test    install what the tests need too (Chromium, PostgreSQL), then every test: native cargo (PostgreSQL
#                too), kuki-core for wasm32, the app's wasm-bindgen tests in headless Chromium, the end-to-end suite,
#                pkg/ as an npm package in a Vite app and under `tsc --strict`
#   make bundle  wasm-pack build into pkg/ (the npm package kuki-consent), then assemble dist/ as docs/contract.md says
#                (on nightly with -Z build-std when it is installed: KUKI_NIGHTLY=auto|0|1, scripts/build-wasm.sh)
#   make bench   size report (yew floor, twiggy), browser race vs a static banner and 3 peers (issue 8), server load
#   make setup   install what `make test` needs; `make setup MODE=run` only what `make run` needs
#
# Everything the targets need is installed by scripts/setup.sh (`run` or `test`), fast when nothing is missing.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# cargo-installed tools first, then node_modules/.bin so wasm-pack finds binaryen's wasm-opt before Debian's.
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# wasm-pack must never download anything: tools come from cargo and npm. A private cache keeps any attempt
# (which would fail here) out of $HOME and makes a stale cached tool impossible.
export WASM_PACK_CACHE := $(CURDIR)/target/wasm-pack-cache
# wasm-bindgen-test-runner reads Chromium's extra arguments from this file (see scripts/webdriver.json).
export WASM_BINDGEN_TEST_WEBDRIVER_JSON := $(CURDIR)/scripts/webdriver.json
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120

# KUKI_ADDR, KUKI_DB, KUKI_ALLOWED_ORIGINS and the other KUKI_* settings reach the server as given, from the
# environment or the command line (`make run KUKI_ADDR=127.0.0.1:9000`); unset ones take the server's defaults.
# (No `export` list here: make would export an unset variable as an empty string.)

WASM_PACK_TEST := wasm-pack test --mode no-install --headless --chrome --chromedriver $(CHROMEDRIVER)
SERVER_BIN := target/server/kuki-server
WITH_POSTGRES := server/scripts/with-postgres.sh

.PHONY: help setup setup-run setup-test run bundle server test test-native test-wasm test-e2e test-npm bench clean

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'

# Building and running need only the run setup (no browser, no database, no apt); `make test` adds the rest.
MODE := test
setup:
	@scripts/setup.sh $(MODE)

setup-run:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

# --- build ------------------------------------------------------------------------------------------------------

bundle: setup-run
	scripts/build-wasm.sh
	cargo run --quiet --features ssr --bin kuki-frames -- pkg
	node scripts/npm-package.mjs
	scripts/assemble-dist.sh

server: setup-run
	cargo build --profile server -p kuki-server

run: bundle server
	@mkdir -p data
	cargo run --profile server -p kuki-server

# --- tests ------------------------------------------------------------------------------------------------------

test: setup-test
	$(MAKE) --no-print-directory test-native
	$(MAKE) --no-print-directory test-wasm
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-npm

# Native tests of every crate. The server's PostgreSQL tests need a running PostgreSQL: the server's own script
# starts one for the duration of the command it wraps (and prints a notice where it cannot).
test-native:
	@if [[ -x $(WITH_POSTGRES) ]]; then \
	  echo "test-native: cargo test --workspace (through $(WITH_POSTGRES))"; \
	  $(WITH_POSTGRES) cargo test --workspace; \
	else \
	  echo "test-native: cargo test --workspace ($(WITH_POSTGRES) not there: PostgreSQL tests skip themselves)"; \
	  cargo test --workspace; \
	fi

# kuki-core in wasm32 (run in Chromium when it has wasm-bindgen-test, else at least built), then the app's
# wasm-bindgen tests in tests/*.rs in Chromium.
test-wasm:
	@if grep -q '^wasm-bindgen-test' core/Cargo.toml; then \
	  echo "test-wasm: kuki-core in Chromium"; $(WASM_PACK_TEST) core; \
	else \
	  echo "test-wasm: kuki-core has no wasm-bindgen-test: building its tests for wasm32 only"; \
	  cargo test -p kuki-core --target wasm32-unknown-unknown --no-run; \
	fi
	@if ls tests/*.rs >/dev/null 2>&1 || grep -rqs 'wasm_bindgen_test' src; then \
	  echo "test-wasm: the app in Chromium"; $(WASM_PACK_TEST) .; \
	else \
	  echo "test-wasm: the app has no wasm-bindgen tests yet"; \
	fi

# The end-to-end suite drives Debian's Chromium against the release bundle and the server profile build. One file
# at a time (each starts its own servers and browser); the timeout bounds every test and file, so a hung await fails
# the run instead of holding CI.
test-e2e: bundle server
	node --test --test-concurrency=1 --test-timeout=600000 tests/e2e/

# pkg/ as an npm package: packed, installed into a Vite app that is built, served on 127.0.0.1 and run in Chromium,
# and its types checked with `tsc --strict` (tests/npm/).
test-npm: bundle
	node --test --test-concurrency=1 --test-timeout=600000 tests/npm/

# --- benchmarks -------------------------------------------------------------------------------------------------

# The browser benchmark (scripts/bench/browser.mjs: ROUNDS=11 by default) installs its peers in benches/peers and
# twiggy on first use; it reports, and a failure to run is printed without stopping the load benchmark. It drives
# Chromium, so it installs what the tests need (setup-test).
bench: setup-test bundle server
	@if [[ -x benches/yew-floor/build.sh ]]; then \
	  floor="$$(benches/yew-floor/build.sh | tail -n 1)"; node scripts/size-report.mjs --floor "$$floor"; \
	else node scripts/size-report.mjs; fi
	@scripts/bench/twiggy.sh
	@node scripts/bench/browser.mjs || echo "bench: the browser benchmark did not complete (see above)"
	@if [[ -x server/bench/load.sh ]]; then $(MAKE) --no-print-directory server && server/bench/load.sh; \
	else echo "bench: server/bench/load.sh not there yet: no load benchmark"; fi

clean:
	rm -rf pkg dist tests/e2e/artifacts
