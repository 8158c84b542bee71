#!/usr/bin/env bash
# Flag evaluation beside Unleash Edge on loopback, with wrk, on the same 350 flags
# (bench/flags_state.py): OFREP single-flag and bulk evaluation and the client-features document
# against Edge's equivalents. Every request asks for a different user. Prints requests/s, p99
# latency and the ratio (Pitwall / Edge; target >= 1.0).
#
#   bench/flags.sh                        # 10 s per run, 32 connections
#   DURATION=30s CONNECTIONS=64 bench/flags.sh
#
# Needs the release build (`make build`), wrk (from Debian when missing), unleash-edge (installed
# when missing: 19.15.1, the newest that builds with rustc 1.95; 6 min on 2 cores) and a
# Postgres: DATABASE_URL's server, or the embedded one.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
export PATH="$HOME/.cargo/bin:$PATH"
command -v wrk >/dev/null || { $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
install_edge() {
  # Edge's build downloads Swagger UI from GitHub, which this network does not reach; the same
  # files come from npm's swagger-ui-dist and are handed over as a local zip.
  local dir
  dir=$(mktemp -d /tmp/pitwall-swagger-XXXX)
  (cd "$dir" && npm pack -q swagger-ui-dist@5.17.14 >/dev/null && tar xzf swagger-ui-dist-5.17.14.tgz \
    && mkdir swagger-ui-5.17.14 && mv package swagger-ui-5.17.14/dist && python3 -m zipfile -c sw.zip swagger-ui-5.17.14)
  SWAGGER_UI_DOWNLOAD_URL="file://$dir/sw.zip" cargo install --locked --no-default-features unleash-edge --version 19.15.1
  rm -rf "$dir"
}
command -v unleash-edge >/dev/null || install_edge
[ -x target/release/pitwall ] || make build

source bench/lib.sh
bench_workdir flags-bench

PITWALL=127.0.0.1:18100 EDGE_PORT=18101
EDGE=127.0.0.1:$EDGE_PORT
python3 bench/flags_state.py > "$work/features.json"
export PITWALL_DATA_DIR="$work/data" PITWALL_LISTEN="$PITWALL"
./target/release/pitwall flags import --env development "$work/features.json" >/dev/null 2>&1
token=$(./target/release/pitwall token create --name bench --scope flags:read --env development 2>/dev/null)
./target/release/pitwall serve >"$work/pitwall.log" 2>&1 &
pids+=($!)
edge_client='*:development.benchclientsecret'
edge_frontend='*:development.benchfrontendsecret'
unleash-edge -p "$EDGE_PORT" offline --bootstrap-file "$work/features.json" \
  --client-tokens "$edge_client" --frontend-tokens "$edge_frontend" >"$work/edge.log" 2>&1 &
pids+=($!)

wait_for() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 2; }
wait_for "http://$PITWALL/healthz"
wait_for "http://$EDGE/internal-backstage/health"

# A different user on every request (wrk's Lua), with the token each server wants.
cat > "$work/post.lua" <<'LUA'
local token, path = os.getenv("BENCH_TOKEN"), os.getenv("BENCH_PATH")
local n = 0
request = function()
  n = n + 1
  local body = '{"context":{"targetingKey":"user-' .. (n % 10000) .. '","role":"staff","plan":"pro","country":"NL","appVersion":"2.4.1"}}'
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
LUA
cat > "$work/get.lua" <<'LUA'
local token, path = os.getenv("BENCH_TOKEN"), os.getenv("BENCH_PATH")
local n = 0
request = function()
  n = n + 1
  local sep = string.find(path, "?", 1, true) and "&" or "?"
  local url = path
  if os.getenv("BENCH_USERS") == "1" then
    url = path .. sep .. "userId=user-" .. (n % 10000) .. "&properties[role]=staff&properties[plan]=pro&properties[country]=NL&properties[appVersion]=2.4.1"
  end
  return wrk.format("GET", url, { ["Authorization"] = token })
end
LUA

run_wrk() { # script host path token users → "requests/s p99_ms"
  local out rps p99
  out=$(BENCH_PATH="$3" BENCH_TOKEN="$4" BENCH_USERS="$5" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/$1" "http://$2")
  if grep -q "Non-2xx" <<<"$out"; then echo "warning: $2$3 answered errors: $(grep Non-2xx <<<"$out")" >&2; fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

# Both must answer before measuring (Pitwall from its snapshot, Edge from its bootstrap).
curl -sf -X POST -H "Authorization: Bearer $token" -d '{"context":{"targetingKey":"u"}}' "http://$PITWALL/ofrep/v1/evaluate/flags/flag-0001" >/dev/null
curl -sf -H "Authorization: $edge_frontend" "http://$EDGE/api/frontend?userId=u" >/dev/null
curl -sf -H "Authorization: $edge_frontend" "http://$EDGE/api/frontend/features/flag-0009?userId=u" >/dev/null

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, 350 flags, a different user per request"
read -r p1 p1l < <(run_wrk post.lua "$PITWALL" /ofrep/v1/evaluate/flags/flag-0009 "$token" 0)
read -r e1 e1l < <(run_wrk get.lua "$EDGE" /api/frontend/features/flag-0009 "$edge_frontend" 1)
read -r p2 p2l < <(run_wrk post.lua "$PITWALL" /ofrep/v1/evaluate/flags "$token" 0)
read -r e2 e2l < <(run_wrk get.lua "$EDGE" /api/frontend "$edge_frontend" 1)
read -r p3 p3l < <(run_wrk get.lua "$PITWALL" /api/client/features "$token" 0)
read -r e3 e3l < <(run_wrk get.lua "$EDGE" /api/client/features "$edge_client" 0)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-34s %12s %9s %12s %9s %7s\n' "endpoint (Pitwall vs Edge)" "Pitwall r/s" "p99" "Edge r/s" "p99" "ratio"
printf '%-34s %12s %7sms %12s %7sms %6sx\n' "one flag (OFREP / frontend/{name})" "$p1" "$p1l" "$e1" "$e1l" "$(ratio "$p1" "$e1")"
printf '%-34s %12s %7sms %12s %7sms %6sx\n' "all flags (OFREP bulk / frontend)" "$p2" "$p2l" "$e2" "$e2l" "$(ratio "$p2" "$e2")"
printf '%-34s %12s %7sms %12s %7sms %6sx\n' "client features" "$p3" "$p3l" "$e3" "$e3l" "$(ratio "$p3" "$e3")"
echo "(ratio = Pitwall / Edge throughput; target >= 1.0)"
