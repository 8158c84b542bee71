# Pitwall: `make run` and `make test` are the only two commands a new machine needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Project-local npm tools (wasm-opt, playwright) come first; cargo-installed tools next.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Queries are checked against the committed .sqlx/ data: building needs no database.
export SQLX_OFFLINE := true

CARGO_LEPTOS_VERSION := 0.3.10
LEPTOSFMT_VERSION := 0.1.33
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q

.PHONY: run test build front tools test-tools lint fmt unit e2e sqlx-prepare

## Build the release server and start it (embedded Postgres unless DATABASE_URL is set).
run: build
	LEPTOS_SITE_ROOT=target/site ./target/release/pitwall serve

## Format check, clippy for both sides, Rust tests, browser tests.
test: test-tools lint unit front e2e

## The release server (fat LTO) and the release front end, split by route.
build: tools
	cargo leptos build --release --precompress --split

## The release front end alone: what browsers download, for the browser tests and bench/wasm-size.sh.
front: tools
	cargo leptos build --release --precompress --split --frontend-only

lint:
	cargo fmt --check
	leptosfmt --check --quiet src
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

## Formats Rust and the view! bodies.
fmt:
	leptosfmt --quiet src
	cargo fmt

unit:
	cargo test --features ssr

# The browser tests drive the release front end against the server binary `cargo test` built
# (same code in the dev profile): a second, fat-LTO server build would add ~12 minutes to CI
# and test nothing more. `make run` and the benchmarks use the release server.
e2e:
	PITWALL_E2E_BIN=target/debug/pitwall npx playwright test -c end2end

## Everything `make run` needs that a fresh machine with only Rust lacks. Installs only what is missing.
tools:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" || cargo install --locked cargo-leptos --version $(CARGO_LEPTOS_VERSION)
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@leptosfmt --version 2>/dev/null | grep -q "$(LEPTOSFMT_VERSION)" || cargo install --locked leptosfmt --version $(LEPTOSFMT_VERSION)
	@[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
	@if [ -z "$${DATABASE_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  echo "Installing the PostgreSQL server for the embedded database"; \
	  $(SUDO) apt-get update -q && $(APT_INSTALL) postgresql; \
	fi

## What the browser tests need besides the build.
test-tools: tools
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) chromium; }
	@python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd==1.4.6
	@python3 -c 'import feedparser, statuspage_prometheus_exporter' 2>/dev/null || \
	  python3 -m pip install --quiet feedparser==6.0.11 statuspage-prometheus-exporter==2.6.0

## Regenerate .sqlx/ after changing a query or migration. Uses a scratch database, recreated each time.
SQLX_SERVER ?= postgres://postgres@127.0.0.1:5432
sqlx-prepare:
	psql "$(SQLX_SERVER)/postgres" -q -c 'DROP DATABASE IF EXISTS pitwall_sqlx' -c 'CREATE DATABASE pitwall_sqlx'
	for f in migrations/*.sql; do psql "$(SQLX_SERVER)/pitwall_sqlx" -q -v ON_ERROR_STOP=1 -f "$$f"; done
	rm -rf .sqlx && mkdir .sqlx
	touch src/lib.rs
	SQLX_OFFLINE=false DATABASE_URL="$(SQLX_SERVER)/pitwall_sqlx" SQLX_OFFLINE_DIR=$(CURDIR)/.sqlx cargo check --features ssr --all-targets
