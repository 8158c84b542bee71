#!/usr/bin/env bash
# The gate beside nginx on loopback, with wrk: (a) proxying a small upstream, (b) serving the
# maintenance page with a 503. Prints requests/s and p99 latency for each, and the ratios.
#
#   bench/gate.sh            # 10 s per run, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/gate.sh
#
# Needs the release build (`make build`), wrk and nginx (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx-light
}
[ -x target/release/pitwall ] || make build

source bench/lib.sh
bench_workdir bench

UPSTREAM=127.0.0.1:18080 NGINX_PROXY=127.0.0.1:18081 NGINX_503=127.0.0.1:18082 GATE=127.0.0.1:18090
mkdir -p "$work/nginx" "$work/www"
echo '{"hello":"from the site"}' > "$work/www/index.json"

write_nginx() {
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream site { server $UPSTREAM; keepalive 128; }
  # The small upstream both proxies sit in front of.
  server { listen $UPSTREAM; location / { default_type application/json; root $work/www; try_files /index.json =404; } }
  # (a) nginx proxying, as the gate does.
  server {
    listen $NGINX_PROXY;
    location / {
      proxy_pass http://site; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
  # (b) nginx answering 503 with the gate's own maintenance page.
  server {
    listen $NGINX_503;
    root $work/www;
    error_page 503 /maintenance.html;
    location = /maintenance.html { internal; add_header Cache-Control no-store always; add_header Retry-After 1800 always; }
    location / { return 503; }
  }
}
CONF
}

run_wrk() { # url → "requests/s p99_ms requests"
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  local rps p99 requests
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99 $requests"
}

# CPU time (user + system, in clock ticks) a process has used: with the requests served, the
# gate's CPU per request, which a busy shared machine disturbs far less than requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_request_us() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'; }

wait_for() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 2; }

# The gate keeps its state in its own embedded database unless DATABASE_URL is set.
export PITWALL_DATA_DIR="$work/data"
touch "$work/www/maintenance.html"
write_nginx
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
./target/release/pitwall gate --listen "$GATE" --upstream "http://$UPSTREAM" >"$work/gate.log" 2>&1 &
pids+=($!)
gate_pid=$!
wait_for "http://$UPSTREAM/"
wait_for "http://$GATE/"

echo "== (a) proxying a small upstream: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
ticks=$(cpu_ticks "$gate_pid")
read -r gate_rps gate_p99 gate_n < <(run_wrk "http://$GATE/")
gate_us=$(per_request_us $(($(cpu_ticks "$gate_pid") - ticks)) "$gate_n")
read -r nginx_rps nginx_p99 _ < <(run_wrk "http://$NGINX_PROXY/")

./target/release/pitwall maintenance enable --reason "Benchmark" --duration 30m >/dev/null
for _ in $(seq 1 50); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$GATE/")" = 503 ] && break
  sleep 0.1
done
curl -s "http://$GATE/" > "$work/www/maintenance.html"
nginx -c "$work/nginx/nginx.conf" -s reload
sleep 0.5
echo "== (b) serving the 503 maintenance page ($(wc -c < "$work/www/maintenance.html") bytes)"
ticks=$(cpu_ticks "$gate_pid")
read -r gate503_rps gate503_p99 gate503_n < <(run_wrk "http://$GATE/")
gate503_us=$(per_request_us $(($(cpu_ticks "$gate_pid") - ticks)) "$gate503_n")
read -r nginx503_rps nginx503_p99 _ < <(run_wrk "http://$NGINX_503/")
./target/release/pitwall maintenance disable >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '\n%-22s %14s %10s %14s %10s %8s %16s\n' "mode" "gate req/s" "gate p99" "nginx req/s" "nginx p99" "ratio" "gate CPU/request"
printf '%-22s %14s %8sms %14s %8sms %7sx %14sus\n' "proxy" "$gate_rps" "$gate_p99" "$nginx_rps" "$nginx_p99" "$(ratio "$gate_rps" "$nginx_rps")" "$gate_us"
printf '%-22s %14s %8sms %14s %8sms %7sx %14sus\n' "503 page" "$gate503_rps" "$gate503_p99" "$nginx503_rps" "$nginx503_p99" "$(ratio "$gate503_rps" "$nginx503_rps")" "$gate503_us"
echo "(ratio = gate / nginx throughput; targets: proxy >= 0.80, 503 page >= 1.10)"
