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
source bench/lib.sh
bench_binary
bench_workdir flood-bench
bench_database flood_bench
export PITWALL_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=error
port=18120
PITWALL_LISTEN=127.0.0.1:$port "$bin" serve >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
echo "$bin, $(nproc) cores: at most $(nproc) hashes at once"
python3 bench/signin_flood.py --base "http://127.0.0.1:$port" --pid "${pids[0]}" --attempts "$ATTEMPTS"
