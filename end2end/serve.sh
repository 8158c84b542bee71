#!/usr/bin/env bash
# Starts the release build on a brand-new embedded database for one browser-test run.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${PITWALL_E2E_DATA_DIR:-/tmp/pitwall-e2e-$$}"
# World-searchable so the cluster can run as the unprivileged postgres user when we are root.
mkdir -p -m 755 "$data_dir"
unset DATABASE_URL
export PITWALL_DATA_DIR="$data_dir" LEPTOS_SITE_ROOT=target/site PITWALL_LISTEN="127.0.0.1:${PITWALL_E2E_PORT:-3999}"
exec ./target/release/pitwall serve
