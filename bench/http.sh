#!/usr/bin/env bash
# The http part of bench/run.sh: GET /health returning JSON under `wrk -t2 -c50 -d10s` for
# assay's http.serve (bench/serve.lua), raw Bun + hono (bench/serve-hono.ts) and, when nginx
# and its lua module are installed, nginx + lua; the assay server's idle RSS; then 2000
# sequential GETs by assay's http.get (bench/http-client.lua) and by Bun's fetch
# (bench/http-client-bun.ts) against the Bun server. Everything listens on 127.0.0.1 ports
# chosen here, and every server started is stopped by its PID.
#
# Usage: bash bench/http.sh ASSAY_BIN WORK_DIR   (writes WORK_DIR/http.txt and client.json)
set -euo pipefail
cd "$(dirname "$0")/.."
assay=$1
work=$2
BUN=$PWD/node_modules/.bin/bun
out=$work/http.txt
: > "$out"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until GET /health on the port answers 200 (at most 10 s).
wait_ready() {
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health" || true)" = 200 ] && return 0
    sleep 0.1
  done
  echo "bench: nothing answers on port $1" >&2
  return 1
}

# Runs wrk against a port and records "<name> rps <requests/s> p99 <latency>".
load() {
  local name=$1 port=$2
  wrk -t2 -c50 -d3s "http://127.0.0.1:$port/health" >/dev/null # warm-up
  local report
  report=$(wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$port/health")
  echo "$report"
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  echo "$name rps $rps p99 $p99" >> "$out"
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# assay
port=$(free_port)
"$assay" bench/serve.lua "$port" & pid=$!
pids+=("$pid")
wait_ready "$port"
sleep 1
echo "assay idle_rss_kb $(ps -o rss= -p "$pid" | tr -d ' ')" >> "$out"
echo "-- assay http.serve"
load assay "$port"
echo "assay loaded_rss_kb $(ps -o rss= -p "$pid" | tr -d ' ')" >> "$out"
stop "$pid"

# raw Bun + hono (kept running for the client benchmark)
hono_port=$(free_port)
"$BUN" bench/serve-hono.ts "$hono_port" >/dev/null & hono_pid=$!
pids+=("$hono_pid")
wait_ready "$hono_port"
echo "-- bun + hono"
load bun-hono "$hono_port"

# nginx + lua, when installed
module=/usr/lib/nginx/modules/ngx_http_lua_module.so
if command -v nginx >/dev/null && [ -f "$module" ]; then
  port=$(free_port)
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module $module;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    location = /health {
      default_type application/json;
      content_by_lua_block { ngx.print('{"status":"ok"}') }
    }
  }
}
EOF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pid=$!
  pids+=("$pid")
  wait_ready "$port"
  echo "-- nginx + lua (one worker)"
  load nginx-lua "$port"
  stop "$pid"
else
  echo "-- nginx + lua: skipped (apt-get install -y nginx-light libnginx-mod-http-lua)"
fi

echo "-- client: 2000 sequential GETs"
url="http://127.0.0.1:$hono_port/health"
hyperfine --shell=none --style=basic --warmup 2 --runs 10 --export-json "$work/client.json" \
  -n "assay http.get" "$assay bench/http-client.lua $url 2000" \
  -n "bun fetch" "$BUN bench/http-client-bun.ts $url 2000"
stop "$hono_pid"
cat "$out"
