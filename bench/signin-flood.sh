#!/usr/bin/env bash
# Password hashing under a flood: ATTEMPTS simultaneous wrong sign-ins (each for its own email,
# from its own address through a trusted proxy, so no throttle stops them before the password
# check) against one `pitwall serve`, sampling its resident memory. Prints the answers, the peak
# memory growth, and the reference of every attempt hashing at once (ATTEMPTS × 19 MiB).
#
#   bench/signin-flood.sh               # 200 attempts
#   ATTEMPTS=500 bench/signin-flood.sh
#
# Uses the release build when there is one (else the debug build, built when missing) and a
# Postgres: DATABASE_URL's server, or the embedded one.
set -euo pipefail
cd "$(dirname "$0")/.."
ATTEMPTS="${ATTEMPTS:-200}"
bin=target/release/pitwall
[ -x "$bin" ] || { bin=target/debug/pitwall; [ -x "$bin" ] || cargo build --features ssr --bin pitwall; }

work=$(mktemp -d /tmp/pitwall-flood-bench-XXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export PITWALL_DATA_DIR="$work/data" PITWALL_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=error
if [ -n "${DATABASE_URL:-}" ]; then
  scratch="pitwall_flood_bench_$$"
  given="$DATABASE_URL"
  psql "$given" -qc "CREATE DATABASE $scratch"
  trap 'cleanup; psql "$given" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"' EXIT
  export DATABASE_URL="${given%/*}/$scratch"
fi
port=18120
PITWALL_LISTEN=127.0.0.1:$port "$bin" serve >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
echo "$bin, $(nproc) cores: at most $(nproc) hashes at once"
python3 bench/signin_flood.py --base "http://127.0.0.1:$port" --pid "${pids[0]}" --attempts "$ATTEMPTS"
