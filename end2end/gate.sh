#!/usr/bin/env bash
# Starts `pitwall gate` in front of the console started by serve.sh, on the same embedded
# database, once the console is up (the console migrates the schema; the gate never does).
set -euo pipefail
cd "$(dirname "$0")/.."
site="127.0.0.1:${PITWALL_E2E_PORT:-3999}"
for _ in $(seq 1 600); do
  curl -sf "http://$site/healthz" >/dev/null && break
  sleep 0.2
done
unset DATABASE_URL
export PITWALL_DATA_DIR="$PITWALL_E2E_DATA_DIR"
exec "${PITWALL_E2E_BIN:-target/release/pitwall}" gate --listen "127.0.0.1:${PITWALL_E2E_GATE_PORT:-4000}" --upstream "http://$site" \
  --state-file "$PITWALL_E2E_DATA_DIR/gate-state.json"
