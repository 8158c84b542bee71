#!/usr/bin/env bash
# How fast a change made through one Pitwall process is served by another (LISTEN/NOTIFY), with
# the periodic re-read off so only NOTIFY can deliver it. Starts two `pitwall serve` processes on
# one database, starts and ends maintenance through the first ROUNDS times, and polls the
# second's public state. Prints p50, p95 and max beside the README's promise (within a second).
#
#   bench/live.sh             # 50 rounds
#   ROUNDS=200 bench/live.sh
#
# Uses the release build when there is one (else the debug build, built when missing) and a
# Postgres: DATABASE_URL's server, or the embedded one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-50}"
source bench/lib.sh
bench_binary
bench_workdir live-bench
bench_database live_bench
export PITWALL_LIVE_REREAD=off RUST_LOG=warn
"$bin" migrate >/dev/null
token=$("$bin" token create --name bench --scope maintenance:write 2>/dev/null)
for port in 18110 18111; do
  PITWALL_LISTEN=127.0.0.1:$port "$bin" serve >"$work/$port.log" 2>&1 &
  pids+=($!)
done
python3 bench/live_rounds.py --token "$token" --rounds "$ROUNDS" \
  --writer http://127.0.0.1:18110 --reader http://127.0.0.1:18111
