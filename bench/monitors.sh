#!/usr/bin/env bash
# How many HTTP monitors one Pitwall process keeps on time. For each count in COUNTS, N monitors
# at a 30 s interval check a local nginx on loopback for DURATION seconds (after a 30 s warm-up):
# checks/s achieved against the planned N/30, p50/p99 lateness (lease time − planned time, as the
# scheduler records it), Pitwall's CPU % and RSS, Postgres rows written/s; then the time to draw
# a 90-day chart. Prints the figures beside the issue's target (10,000 monitors at 30 s on 2
# cores with p99 lateness under 1 s) and Uptime Kuma's reported trouble past ~500 monitors.
#
#   bench/monitors.sh                          # 1000 then 10000 monitors, 120 s each
#   COUNTS=1000 DURATION=60 bench/monitors.sh
#   CHART_OUT=/tmp/charts bench/monitors.sh    # also keeps the 24 h and 90-day charts it drew
#
# Needs nginx (Debian's nginx-light) and a Postgres server: DATABASE_URL's, or 127.0.0.1:5432.
# Uses the release build when there is one (else the debug build, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS="${COUNTS:-1000 10000}"
DURATION="${DURATION:-120}"
WARMUP="${WARMUP:-30}"
PORT=18191
NGINX_PORT=18190
command -v nginx >/dev/null || { echo "bench/monitors.sh needs nginx: apt-get install nginx-light" >&2; exit 1; }
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
source bench/lib.sh
bench_binary
bench_workdir monitors-bench
bench_database monitors_bench
export RUST_LOG=warn PITWALL_LISTEN=127.0.0.1:$PORT
db() { PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }

cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)

"$bin" migrate >/dev/null
echo "bench-owner-password" | "$bin" user add --email bench@example.com --role owner --password-stdin >/dev/null
clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rows_written() {
  db "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables WHERE relname LIKE 'monitor%'"
}

echo "binary: $bin; $(nproc) cores; interval 30 s; measured ${DURATION} s after ${WARMUP} s"
printf '%-9s %-12s %-12s %-10s %-10s %-8s %-9s %-10s\n' monitors "checks/s" planned "late p50" "late p99" "CPU %" "RSS MiB" "rows/s"
for n in $COUNTS; do
  db "TRUNCATE monitors CASCADE"
  db "INSERT INTO monitors (name, kind, target, http, interval_s, timeout_s, grace_s, failure_threshold, success_threshold, next_check_at)
      SELECT 'bench-' || i, 'http', 'http://127.0.0.1:$NGINX_PORT/health',
             '{\"method\":\"GET\",\"headers\":[],\"body\":\"\",\"follow_redirects\":true,\"verify_tls\":true}',
             30, 10, 30, 3, 2, now() + random() * interval '30 seconds'
      FROM generate_series(1, $n) AS i"
  "$bin" serve >"$work/serve-$n.log" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  sleep "$WARMUP"
  started=$(date +%s.%N)
  first_id=$(db "SELECT COALESCE(max(id), 0) FROM monitor_results")
  ticks0=$(cpu_ticks $server)
  rows0=$(rows_written)
  sleep "$DURATION"
  elapsed=$(echo "$(date +%s.%N) - $started" | bc -l)
  ticks1=$(cpu_ticks $server)
  rows1=$(rows_written)
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status")
  read -r checks p50 p99 < <(db "SELECT count(*), COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY late_ms), 0),
                                        COALESCE(percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms), 0)
                                 FROM monitor_results WHERE id > $first_id" | tr '|' ' ')
  printf '%-9s %-12.1f %-12.1f %-10s %-10s %-8.0f %-9s %-10.0f\n' "$n" \
    "$(echo "$checks / $elapsed" | bc -l)" "$(echo "$n / 30" | bc -l)" "${p50%.*} ms" "${p99%.*} ms" \
    "$(echo "($ticks1 - $ticks0) / $clk / $elapsed * 100" | bc -l)" "$rss" "$(echo "($rows1 - $rows0) / $elapsed" | bc -l)"
  if [ "$n" = "$(echo "$COUNTS" | awk '{print $NF}')" ]; then
    # A 90-day chart of one monitor: 90 day buckets and the hours of the last week laid in first.
    monitor=$(db "SELECT min(id) FROM monitors")
    db "INSERT INTO monitor_rollups (monitor_id, size, bucket, checks, up, degraded, down, in_maintenance, p50_ms, p95_ms, max_ms)
        SELECT $monitor, 'day', date_trunc('day', now(), 'UTC') - d * interval '1 day', 2880, 2870, 5, 5, 0, 20 + d % 7, 40 + d % 11, 90
        FROM generate_series(1, 89) AS d ON CONFLICT DO NOTHING"
    jar="$work/cookies"
    curl -fs -c "$jar" -H "Origin: http://127.0.0.1:$PORT" \
      --data-urlencode email=bench@example.com --data-urlencode password=bench-owner-password \
      "http://127.0.0.1:$PORT/api/sign_in" >/dev/null
    times=$(for _ in $(seq 1 20); do
      curl -fs -b "$jar" -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/monitors/$monitor/chart.svg?range=90d&kind=response"
    done | sort -n)
    echo "90-day chart: median $(echo "$times" | sed -n 10p | awk '{printf "%.1f", $1 * 1000}') ms, max $(echo "$times" | tail -1 | awk '{printf "%.1f", $1 * 1000}') ms over 20 requests (uptime bars: $(curl -fs -b "$jar" -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/monitors/$monitor/chart.svg?range=90d&kind=uptime" | awk '{printf "%.1f", $1 * 1000}') ms)"
    # The /monitors page's data for all N monitors: states, 24 h and 30 d uptime, sparklines.
    list_times=$(for _ in $(seq 1 5); do
      curl -fs -b "$jar" -H "Origin: http://127.0.0.1:$PORT" -H 'Content-Type: application/json' -d '{}' \
        -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/api/monitors/list"
    done | sort -n)
    echo "monitors list ($n monitors, ${DURATION} s of results): median $(echo "$list_times" | sed -n 3p | awk '{printf "%.0f", $1 * 1000}') ms, max $(echo "$list_times" | tail -1 | awk '{printf "%.0f", $1 * 1000}') ms over 5 requests"
  fi
  if [ -n "${CHART_OUT:-}" ]; then
    mkdir -p "$CHART_OUT"
    for chart in "range=24h&kind=response" "range=90d&kind=response" "range=90d&kind=uptime" "range=24h&kind=response&theme=dark"; do
      curl -fs -b "$work/cookies" -o "$CHART_OUT/$(echo "$chart" | tr '&=' '__').svg" "http://127.0.0.1:$PORT/monitors/$(db "SELECT min(id) FROM monitors")/chart.svg?$chart" || true
    done
  fi
  kill "$server"
  wait "$server" 2>/dev/null || true
done
echo "target: 10,000 monitors at 30 s (333.3 checks/s) with p99 lateness under 1 s on 2 cores; Uptime Kuma's users report trouble past about 500 monitors"
