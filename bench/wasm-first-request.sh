#!/usr/bin/env bash
# Start-up and first request of Weir with a weir.wasm filter, with a cold and then a warm on-disk
# compile cache: for each of COLD and WARM (and a no-filter baseline), starts the built distribution
# in front of a local nginx, measures the time from launch until the listener answers, then the
# latency of the first request and of the tenth.
#
#   mvn -q -DskipTests package && bench/wasm-first-request.sh [module.wasm]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$(realpath "${1:-$ROOT/plugins-examples/wasm-add-header-c/target/filter.wasm}")"
WEIR="$ROOT/distro/target/weir/bin/weir"
[[ -x "$WEIR" && -f "$MODULE" ]] || { echo "build first (mvn -DskipTests package)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/weir-first.XXXXXX)"
BP=28090; WP=28091
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log;
events {} http { access_log off; server { listen 127.0.0.1:$BP; location / { return 200 "ok\n"; } } }
NGINX
nginx -p "$WORK" -c "$WORK/nginx.conf"
config() { # with_filter
  local f=""
  [[ $1 == 1 ]] && f="      filters:
        - name: weir.wasm
          config: { module: $MODULE, configuration: '{\"header\": \"x-added\", \"value\": \"bench\"}' }"
  cat <<YAML
admin: { address: 127.0.0.1:0 }
listeners:
  - name: l
    address: 127.0.0.1:$WP
    http:
$f
      virtual_hosts: [{ name: a, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: b } }] }]
clusters: [{ name: b, endpoints: [{ address: 127.0.0.1:$BP }] }]
YAML
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
one() { # label with_filter cache_dir
  config "$2" >"$WORK/$1.yaml"
  local t0 t1; t0=$(ms)
  JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseSerialGC -Dweir.wasm.cache_dir=$3" \
    "$WEIR" run -c "$WORK/$1.yaml" --concurrency 1 >"$WORK/$1.log" 2>&1 &
  echo $! >"$WORK/$1.pid"
  until curl -s -o /dev/null "http://127.0.0.1:$WP/" 2>/dev/null; do sleep 0.01; done
  t1=$(ms)
  local first tenth i
  first=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$WP/")
  for i in $(seq 8); do curl -s -o /dev/null "http://127.0.0.1:$WP/"; done
  tenth=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$WP/")
  local hdr; hdr=$(curl -si "http://127.0.0.1:$WP/" | grep -ci '^x-added: bench' || true)
  printf '| %s | %d | %.1f | %.1f | %s |\n' "$1" $((t1 - t0)) "$(echo "$first*1000" | bc -l)" "$(echo "$tenth*1000" | bc -l)" "$([[ $hdr -ge 1 ]] && echo yes || echo no)"
  kill "$(cat "$WORK/$1.pid")"; wait "$(cat "$WORK/$1.pid")" 2>/dev/null || true; rm -f "$WORK/$1.pid"
}
echo "| start | launch to first answer ms | first request after that ms | 10th request ms | x-added on response |"
echo "|---|---|---|---|---|"
one no-filter 0 "$WORK/cache"
one wasm-cold-cache 1 "$WORK/cache"
one wasm-warm-cache 1 "$WORK/cache"
