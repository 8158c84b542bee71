#!/usr/bin/env bash
# Starts Pitwall on a brand-new embedded database for one browser-test run: the release build, or
# the binary PITWALL_E2E_BIN names (`make test` passes the one `cargo test` built).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PITWALL_E2E_BIN:-target/release/pitwall}"
# cargo-leptos writes the front end's file hashes beside the release binary; Leptos reads them
# beside the binary that runs.
if [ "$(dirname "$bin")" != target/release ]; then
  cp target/release/hash.txt "$(dirname "$bin")/hash.txt"
fi
data_dir="${PITWALL_E2E_DATA_DIR:-/tmp/pitwall-e2e-$$}"
# World-searchable so the cluster can run as the unprivileged postgres user when we are root.
mkdir -p -m 755 "$data_dir"
unset DATABASE_URL
# The set-up code the browser tests type (a real start prints a random one).
export PITWALL_SETUP_CODE=e2e-setup-code-2026
export PITWALL_DATA_DIR="$data_dir" LEPTOS_SITE_ROOT=target/site PITWALL_LISTEN="127.0.0.1:${PITWALL_E2E_PORT:-3999}"
exec "$bin" serve
