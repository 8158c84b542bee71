#!/usr/bin/env bash
# The public status page beside nginx serving the same bytes as static files (gzip both sides),
# on loopback with wrk: 5 components, 90 days of history, 3 active incidents. Prints requests/s
# and p99 for GET /status and GET /api/v2/summary.json, and the Pitwall/nginx ratio.
#
#   bench/status.sh            # 10 s per run, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/status.sh
#
# Needs a Postgres (DATABASE_URL, default the local one), the release build when there is one
# (else the debug build), wrk and nginx (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx-light
}

source bench/lib.sh
bench_workdir status
bench_database status
bench_binary

PITWALL=127.0.0.1:18290 NGINX=127.0.0.1:18291
wait_for() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 2; }

PITWALL_LISTEN=$PITWALL PITWALL_SETUP_CODE=bench-setup-code-2026 RUST_LOG=warn "$bin" serve >"$work/pitwall.log" 2>&1 &
pids+=($!)
wait_for "http://$PITWALL/healthz"

for name in API Website Checkout Email Search; do "$bin" status component add --name "$name" >/dev/null; done
for title in "Elevated API errors" "Slow checkout" "Delayed Email delivery"; do
  component=$(awk '{print $2}' <<<"$title")
  "$bin" incident declare --sev 2 --title "$title" --component "$component" >/dev/null
done
# 90 days of history (a change every 6 hours), and two public updates per incident.
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
UPDATE status_components SET created_at = now() - interval '91 days';
DELETE FROM status_component_history;
INSERT INTO status_component_history (component_id, status, at)
SELECT c.id, (ARRAY['operational', 'operational', 'operational', 'degraded_performance', 'operational', 'major_outage',
                    'operational', 'under_maintenance'])[1 + (n % 8)], now() - interval '91 days' + n * interval '6 hours'
FROM status_components c, generate_series(0, 363) n;
INSERT INTO incident_events (incident_id, kind, body, public, author)
SELECT i.id, 'update', 'We are investigating ' || lower(i.title) || '. Next update within 30 minutes.', true, 'bench'
FROM incidents i, generate_series(1, 2);
SELECT pg_notify('pitwall_status', '');
SQL
sleep 2

run_wrk() { # url → "requests/s p99_ms"
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$1")
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

# nginx serves the very bytes Pitwall serves, with the same gzip, as static files.
mkdir -p "$work/www/api/v2" "$work/nginx"
curl -s "http://$PITWALL/status" -o "$work/www/status.html"
curl -s "http://$PITWALL/api/v2/summary.json" -o "$work/www/api/v2/summary.json"
gzip -9 -k "$work/www/status.html" "$work/www/api/v2/summary.json"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  gzip_static on;
  server {
    listen $NGINX;
    root $work/www;
    location = /status { default_type text/html; try_files /status.html =404; }
    location / { default_type application/json; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_for "http://$NGINX/status"

page_bytes=$(curl -s -H 'Accept-Encoding: gzip' "http://$PITWALL/status" | wc -c)
echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, Accept-Encoding: gzip ($bin; /status is $page_bytes bytes gzipped)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-22s %14s %10s %14s %10s %8s\n' "endpoint" "Pitwall req/s" "p99" "nginx req/s" "p99" "ratio"
for path in /status /api/v2/summary.json; do
  read -r p_rps p_p99 < <(run_wrk "http://$PITWALL$path")
  read -r n_rps n_p99 < <(run_wrk "http://$NGINX$path")
  printf '%-22s %14s %8sms %14s %8sms %7sx\n' "$path" "$p_rps" "$p_p99" "$n_rps" "$n_p99" "$(ratio "$p_rps" "$n_rps")"
done
echo "(targets: ratio >= 0.80 and Pitwall p99 < 10 ms at 64 connections)"
