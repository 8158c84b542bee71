#!/usr/bin/env bash
# The front end's size, measured on the release build: every chunk in target/site/pkg (raw, gzip,
# brotli bytes), then what a real browser downloads to hydrate /signin, the dashboard, and each
# domain's first page after navigating there from the dashboard, beside the targets
# (/signin ≤ 250 KB brotli, dashboard ≤ 350 KB brotli).
#
#   bench/wasm-size.sh        # builds the release front end first when it is missing
#
# Runs Pitwall (PITWALL_BIN, default: the release server, else the dev one) on a throwaway
# embedded database and drives Debian's Chromium with Playwright.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
[ -f target/release/hash.txt ] && ls target/site/pkg/*.wasm >/dev/null 2>&1 || make front
bin="${PITWALL_BIN:-}"
if [ -z "$bin" ]; then
  if [ -x target/release/pitwall ]; then bin=target/release/pitwall; else
    [ -x target/debug/pitwall ] || cargo build --features ssr
    bin=target/debug/pitwall
  fi
fi
[ "$(dirname "$bin")" = target/release ] || cp target/release/hash.txt "$(dirname "$bin")/hash.txt"

echo "== every chunk (target/site/pkg)"
printf '%-58s %10s %10s %10s\n' FILE RAW GZIP BROTLI
total_raw=0 total_br=0
for f in target/site/pkg/*.wasm target/site/pkg/*.js; do
  raw=$(stat -c %s "$f"); gz=$(stat -c %s "$f.gz" 2>/dev/null || echo -); br=$(stat -c %s "$f.br" 2>/dev/null || echo -)
  printf '%-58s %10s %10s %10s\n' "$(basename "$f")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)); [ "$br" = - ] || total_br=$((total_br + br))
done
printf '%-58s %10s %10s %10s\n' "all chunks" "$total_raw" "" "$total_br"

work=$(mktemp -d /tmp/pitwall-wasm-size-XXXX)
chmod 755 "$work"
port=18123
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export PITWALL_DATA_DIR="$work/data" LEPTOS_SITE_ROOT=target/site PITWALL_LISTEN="127.0.0.1:$port"
unset DATABASE_URL
mkdir -p -m 755 "$PITWALL_DATA_DIR"
echo 'correct horse battery staple' | "$bin" user add --email owner@example.com --role owner --password-stdin >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

echo
echo "== what a browser downloads (brotli bytes of each wasm/js file it fetches)"
BASE="http://127.0.0.1:$port" node bench/wasm_size.mjs
