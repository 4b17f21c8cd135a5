#!/usr/bin/env bash
# The cost of filters: Weir with one filter on the listener against Weir with no filter, for one or
# several filter variants measured alternately in one session (no filter, variant 1, variant 2, ...,
# no filter, variant 1, ...) with the shared peer benchmark (../shared/bench/run.sh), nginx in every
# run as a same-run reference.
#
#   bench/filter-cost.sh                    # no filter vs example.add_header: 2 runs per variant, 2 rounds per run (about 7 minutes)
#   RUNS=3 REPS=3 bench/filter-cost.sh      # more runs for a tighter figure
#   VARIANTS="no_filter java wasm-c wasm-cpp wasm-rust wasm-assemblyscript" bench/filter-cost.sh
#                                           # six variants alternating: 2 runs each (about 20 minutes)
#   FILTER=wasm WASM_MODULE=path/to/module.wasm bench/filter-cost.sh   # no filter vs that module (variant `wasm`)
#   VARIANTS="no_filter jwt_authn" bench/filter-cost.sh; VARIANTS="no_filter basic_auth" bench/filter-cost.sh
#   VARIANTS="no_filter tracing_1pct tracing_100pct tracing_100pct_zipkin tracing_100pct_grpc" bench/filter-cost.sh
#
# Time: about 1.5 minutes per run at REPS=2 (2.2 at REPS=3), RUNS x (number of variants) runs, plus
# the build and the check (a minute) and any wait for an idle machine.
#
# Knobs (env): VARIANTS (space-separated, no_filter first, then any of: java = the example jar's
# example.add_header with { header: x-added, value: bench }; wasm-<name> = weir.wasm running
# plugins-examples/wasm-add-header-<name>/target/filter.wasm with configuration
# '{"header": "x-added", "value": "bench"}'; wasm = weir.wasm running WASM_MODULE with that configuration.
# Unset: "no_filter java", or "no_filter wasm" when FILTER=wasm), FILTER (java or wasm, used only when
# VARIANTS is unset), WASM_MODULE (the module of the `wasm` variant), RUNS (runs per variant, 2),
# REPS (rounds per run, 2), PEERS ("nginx ours"; must hold ours), SKIP_BUILD=1 (use the built
# distribution and modules as they are), IDLE_MAX (seconds to wait for the machine to go idle before
# each run, 1200), IDLE_PCT (busy % of one core that counts as idle, 20), plus everything
# ../shared/bench/run.sh reads (D_TPUT, D_LAT, D_BW, WARMUP, BACKEND_PORT, ...).
#
# All variants load the same plugin dir (the example jar in a subdirectory), so the filter entry on
# the listener is the only difference from the no-filter config (checked for each variant). Before
# measuring, a Weir of each variant in front of a check nginx must behave: a filtered one shows
# x-added: bench on the response and the backend saw the header on the request (the client's
# value first when a Wasm module adds rather than replaces); no filter passes the client's value and
# adds nothing. The check also counts the upstream connections each variant opens for 20 sequential
# keep-alive requests. Targets printed: a Wasm variant costs <= 1.05 x the no-filter CPU per request,
# the Java variant and local_ratelimit <= 1.03 x (on the medians over all rounds); redis_ratelimit
# (weir.ratelimit against a redis-server the script starts on BACKEND_PORT + 20) has none: its
# throughput and p99 are the figures. local_ratelimit and redis_ratelimit never limit (their limits
# are out of reach); the check makes sure they counted the requests they allowed. jwt_authn (RS256,
# key and token made with openssl, verified-token cache on) and basic_auth (one bcrypt cost-10 user,
# cache on) have no target: in a session holding one of them every request of every run (no_filter
# included) carries the same authorization header (bearer token or basic credentials; an overlay copy
# of ../shared/bench whose report.lua adds BENCH_HEADER), so measure the two in separate sessions;
# the check asks for 401 without credentials. tracing_1pct / tracing_100pct are no filter plus a
# top-level tracing block (sampling 0.01 / 1.0, OTLP/HTTP exporter to a sink nginx on BACKEND_PORT + 21
# that answers 202): targets <= 1.02 / <= 1.10; tracing_100pct_zipkin is tracing_100pct with the Zipkin
# exporter (to the sink's /api/v2/spans), tracing_100pct_grpc with OTLP/gRPC (to the same nginx on
# BACKEND_PORT + 22, h2c, answering grpc-status 0), targets <= 1.10; the sink runs on core 1 with wrk
# and the backend; the check wants a traceparent at the backend. Each tracing run records Weir's
# span totals at shutdown (exported, dropped); a tracing variant that dropped more than 0.1% of its
# spans is not judged against its target (its exporter did less work). The summary goes to stdout and to
# bench/results/filter-cost-<stamp>.md (filter-cost-wasm-<stamp>.md with FILTER=wasm and VARIANTS
# unset); the shared reports of every run (.md, .raw.tsv, meta.txt) and the check responses to the
# directory of the same name.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -f "$SHARED/run.sh" ]] || { echo "filter-cost: $SHARED/run.sh not found (set SHARED_BENCH)" >&2; exit 1; }
export PEER_BENCH_DIR="${PEER_BENCH_DIR:-/tmp/peer-bench}"
export BACKEND_PORT="${BACKEND_PORT:-18080}"
export JAVA_OPTS="${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC}"
export REPS="${REPS:-2}"
export PEERS="${PEERS:-nginx ours}"
RUNS="${RUNS:-2}"
IDLE_MAX="${IDLE_MAX:-1200}"
IDLE_PCT="${IDLE_PCT:-20}"
[[ " $PEERS " == *" ours "* ]] || { echo "filter-cost: PEERS must include ours" >&2; exit 1; }

# the variants: VARIANTS, or (unset) today's pair from FILTER/WASM_MODULE
FILTER="${FILTER:-java}"
if [[ -n "${VARIANTS:-}" ]]; then
  read -ra VLIST <<<"$VARIANTS"; PREFIX=filter-cost
else
  case "$FILTER" in
    java) VLIST=(no_filter java); PREFIX=filter-cost ;;
    wasm) VLIST=(no_filter wasm); PREFIX=filter-cost-wasm ;;
    *) echo "filter-cost: FILTER must be java or wasm, not '$FILTER'" >&2; exit 1 ;;
  esac
fi
[[ ${#VLIST[@]} -ge 2 && ${VLIST[0]} == no_filter ]] \
  || { echo "filter-cost: VARIANTS must start with no_filter and hold at least one filtered variant (got '${VLIST[*]}')" >&2; exit 1; }
# variants that need no plugin jar or module: built-in filters, and tracing (a top-level block, no filter)
BUILTIN_VARIANTS="local_ratelimit redis_ratelimit jwt_authn basic_auth tracing_1pct tracing_100pct tracing_100pct_zipkin tracing_100pct_grpc"
declare -A SEEN=()
for v in "${VLIST[@]}"; do
  [[ -z "${SEEN[$v]:-}" ]] || { echo "filter-cost: variant $v listed twice" >&2; exit 1; }
  SEEN[$v]=1
  [[ $v == no_filter || $v == java || $v == wasm || $v =~ ^wasm-[A-Za-z0-9_]+$ || " $BUILTIN_VARIANTS " == *" $v "* ]] \
    || { echo "filter-cost: unknown variant '$v' (no_filter, java, wasm-<name>, wasm, $BUILTIN_VARIANTS)" >&2; exit 1; }
done

STAMP="$(date +%F_%H%M%S)"
WORK="$PEER_BENCH_DIR/filter-cost"
OUTDIR="$ROOT/bench/results/$PREFIX-$STAMP"
SUMMARY="$ROOT/bench/results/$PREFIX-$STAMP.md"
WEIR="$ROOT/distro/target/weir/bin/weir"
JAR="$ROOT/plugins-examples/java-add-header/target/java-add-header.jar"
log() { printf '[%s] filter-cost: %s\n' "$(date +%T)" "$*" >&2; }

# ---- 1. build once ---------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # the format check gates commits, not measurements: skipped so a formatting slip elsewhere cannot stop a run
  log "building (mvn -q -o -DskipTests -Dspotless.check.skip=true package)"
  (cd "$ROOT" && mvn -q -o -DskipTests -Dspotless.check.skip=true package) >&2
fi
[[ -x "$WEIR" && -f "$JAR" ]] || { log "$WEIR or $JAR missing: build first"; exit 1; }
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no | awk '{print $2}' | tr '\n' ' ')"

# ---- 2. plugin dir and one config per variant --------------------------------------------------
# shellcheck source=lib/filter-variants.sh
source "$ROOT/bench/lib/filter-variants.sh" # wasm_module, filter_block
# shellcheck source=lib/span-sink.sh
source "$ROOT/bench/lib/span-sink.sh" # tracing_block, start_sink, stop_sink
filter_label() { # variant -> what its filter is (for the configs and the summary)
  case "$1" in
    no_filter) echo "no filter" ;;
    java) echo "example.add_header (plugins-examples/java-add-header)" ;;
    local_ratelimit) echo "weir.local_ratelimit (a bucket that never runs dry)" ;;
    redis_ratelimit) echo "weir.ratelimit (redis-server on :$REDIS_PORT, sliding_window, a limit never reached)" ;;
    jwt_authn) echo "weir.jwt_authn (RS256, a 2048-bit key from a JWKS file, verified-token cache on; every request carries the same valid token)" ;;
    basic_auth) echo "weir.basic_auth (an htpasswd file with one bcrypt cost-10 hash, verification cache on; every request carries the right password)" ;;
    tracing_1pct) echo "no filter; tracing at 1% sampling, OTLP/HTTP exporter to a sink nginx on :$SINK_PORT answering 202" ;;
    tracing_100pct) echo "no filter; tracing at 100% sampling, OTLP/HTTP exporter to a sink nginx on :$SINK_PORT answering 202" ;;
    tracing_100pct_zipkin) echo "no filter; tracing at 100% sampling, Zipkin exporter to a sink nginx on :$SINK_PORT answering 202" ;;
    tracing_100pct_grpc) echo "no filter; tracing at 100% sampling, OTLP/gRPC exporter to a sink nginx (h2c) on :$GRPC_SINK_PORT answering grpc-status 0 once it has read the export" ;;
    *) echo "weir.wasm ($(realpath --relative-to="$ROOT" "$(wasm_module "$1")"), $(stat -c %s "$(wasm_module "$1")") bytes)" ;;
  esac
}
REDIS_PORT=$((BACKEND_PORT + 20))
SINK_PORT=$((BACKEND_PORT + 21)); GRPC_SINK_PORT=$((BACKEND_PORT + 22))
for v in "${VLIST[@]:1}"; do
  [[ $v == java || " $BUILTIN_VARIANTS " == *" $v "* ]] && continue
  m="$(wasm_module "$v")"
  if [[ $v == wasm ]]; then
    [[ -f "$m" ]] || { log "variant wasm (FILTER=wasm) needs WASM_MODULE=path/to/module.wasm"; exit 1; }
    WASM_MODULE="$(realpath "$m")"
  else
    [[ -f "$m" ]] || { log "variant $v: $m missing (build plugins-examples/wasm-add-header-${v#wasm-} first)"; exit 1; }
  fi
done
rm -rf "$WORK"; mkdir -p "$WORK/plugins/add-header" "$WORK/check" "$OUTDIR"
cp "$JAR" "$WORK/plugins/add-header/"

# ---- 2a. credentials: every run sends the same request header (BENCH_HEADER, through an overlay of
# the shared bench whose report.lua adds it), so no_filter and the auth variants parse the same bytes
BENCH_HEADER=""
if [[ " ${VLIST[*]} " == *" jwt_authn "* || " ${VLIST[*]} " == *" basic_auth "* ]]; then
  mkdir -p "$WORK/auth"
  # an RS256 key, its JWKS and one token valid for a day (openssl signs; python3 encodes)
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/auth/key.pem" 2>/dev/null
  openssl rsa -in "$WORK/auth/key.pem" -noout -modulus | cut -d= -f2 >"$WORK/auth/modulus.hex"
  python3 - "$WORK/auth" <<'PY'
import base64, json, subprocess, sys, time
d = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
n = bytes.fromhex(open(d + "/modulus.hex").read().strip())
json.dump({"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig", "n": b64(n), "e": "AQAB"}]}, open(d + "/jwks.json", "w"))
now = int(time.time())
h = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "bench"}).encode())
p = b64(json.dumps({"iss": "https://bench.weir", "aud": "bench", "sub": "bench-user", "iat": now, "exp": now + 86400}).encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", d + "/key.pem"], input=f"{h}.{p}".encode(), capture_output=True, check=True).stdout
open(d + "/token", "w").write(f"{h}.{p}.{b64(sig)}")
PY
  # a bcrypt (cost 10) htpasswd line, hashed by the library Weir itself uses
  BCRYPT_JAR="$(ls "$ROOT"/distro/target/weir/lib/bcrypt-*.jar 2>/dev/null | head -1)"
  BYTES_JAR="$(ls "$ROOT"/distro/target/weir/lib/bytes-*.jar 2>/dev/null | head -1)"
  cat >"$WORK/auth/Hash.java" <<'JAVA'
public class Hash {
    public static void main(String[] a) {
        System.out.println(a[0] + ":" + at.favre.lib.crypto.bcrypt.BCrypt.withDefaults().hashToString(10, a[1].toCharArray()));
    }
}
JAVA
  if [[ " ${VLIST[*]} " == *" basic_auth "* ]]; then
    [[ -f "$BCRYPT_JAR" ]] || { log "basic_auth: bcrypt jar missing in distro/target/weir/lib (build first)"; exit 1; }
    java -cp "$BCRYPT_JAR:$BYTES_JAR" "$WORK/auth/Hash.java" bench bench-password >"$WORK/auth/htpasswd"
  fi
  if [[ " ${VLIST[*]} " == *" jwt_authn "* ]]; then
    BENCH_HEADER="authorization: Bearer $(cat "$WORK/auth/token")"
  else
    BENCH_HEADER="authorization: Basic $(printf 'bench:bench-password' | base64 -w0)"
  fi
  [[ " ${VLIST[*]} " == *" jwt_authn "* && " ${VLIST[*]} " == *" basic_auth "* ]] \
    && { log "jwt_authn and basic_auth both read the authorization header: measure them in separate sessions"; exit 1; }
fi
SHARED_RUN="$SHARED"
if [[ -n "$BENCH_HEADER" ]]; then # the shared bench, with report.lua adding the header to every request
  rm -rf "$WORK/shared-overlay"; cp -r "$SHARED" "$WORK/shared-overlay"
  cat >>"$WORK/shared-overlay/lib/report.lua" <<'LUA'

-- added by bench/filter-cost.sh: one request header for every request (BENCH_HEADER="name: value")
local bench_header = os.getenv("BENCH_HEADER")
if bench_header and bench_header ~= "" then
  local k, v = bench_header:match("^([^:]+):%s*(.*)$")
  wrk.headers[k] = v
end
LUA
  # and its readiness and sanity probes (curl) send it too
  sed -i 's|curl -s -o /dev/null|curl -s ${BENCH_HEADER:+-H "$BENCH_HEADER"} -o /dev/null|' "$WORK/shared-overlay/run.sh"
  [[ "$(grep -c 'BENCH_HEADER:+-H' "$WORK/shared-overlay/run.sh")" -ge 2 ]] \
    || { log "could not add the header to ../shared/bench/run.sh's curl probes (has run.sh changed?)"; exit 1; }
  SHARED_RUN="$WORK/shared-overlay"
  export BENCH_HEADER
fi
gen_config() { # out listen_port backend_port variant [admin_address]
  local filters top
  filters="$(filter_block "$4")"; top="$(tracing_block "$4")"
  cat >"$1" <<YAML
# generated by bench/filter-cost.sh ($(filter_label "$4"))
${top:+$top
}plugin_dirs: [$WORK/plugins]
admin:
  address: ${5:-127.0.0.1:0}
listeners:
  - name: bench
    address: 127.0.0.1:$2
    http:
${filters:+$filters
}      virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
            - match: { prefix: "/" }
              route: { cluster: backend, timeout: 15s }
clusters:
  - name: backend
    connect_timeout: 2s
    endpoints:
      - address: 127.0.0.1:$3
YAML
}
LEGEND="$WORK/legend.tsv"; : >"$LEGEND"
for v in "${VLIST[@]}"; do
  gen_config "$WORK/$v.yaml" $((BACKEND_PORT + 5)) "$BACKEND_PORT" "$v"
  printf '%s\t%s\n' "$v" "$(filter_label "$v")" >>"$LEGEND"
done
for v in "${VLIST[@]:1}"; do # the comment line (2 lines of diff) and the 3 lines of the filter entry (or the 4 of the tracing block), nothing else
  [[ "$(diff "$WORK/no_filter.yaml" "$WORK/$v.yaml" | grep -c '^[<>]')" -le 6 ]] \
    || { log "the configs of no_filter and $v differ by more than the filter entry"; diff "$WORK/no_filter.yaml" "$WORK/$v.yaml" >&2; exit 1; }
done
cp "$WORK"/*.yaml "$OUTDIR/"

# ---- 3. functional check: header on the request (seen by the backend) and on the response ------
CB=$((BACKEND_PORT + 10)); CW=$((BACKEND_PORT + 11)); CA=$((BACKEND_PORT + 12))
for p in $CB $CW $CA; do
  [[ -z "$(ss -ltnH "sport = :$p")" ]] || { log "check port $p is in use (pick another BACKEND_PORT)"; exit 1; }
done
CHECK_PIDS=()
REDIS_PID=""
stop_redis() { [[ -n "$REDIS_PID" ]] && { kill -TERM -- "-$REDIS_PID" 2>/dev/null || true; while kill -0 "$REDIS_PID" 2>/dev/null; do sleep 0.1; done; }; REDIS_PID=""; }
if [[ " ${VLIST[*]} " == *" redis_ratelimit "* ]]; then # one redis-server for the check and every run
  command -v redis-server >/dev/null || { log "redis_ratelimit needs redis-server (Debian: apt-get install redis-server)"; exit 1; }
  [[ -z "$(ss -ltnH "sport = :$REDIS_PORT")" ]] || { log "redis port $REDIS_PORT is in use (pick another BACKEND_PORT)"; exit 1; }
  mkdir -p "$WORK/redis"
  setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" >"$WORK/redis/redis.out" 2>&1 </dev/null &
  REDIS_PID=$!
  for i in $(seq 50); do [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
  log "redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
fi
stop_checks() { local p; for p in "${CHECK_PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
                for p in "${CHECK_PIDS[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done; CHECK_PIDS=(); }
trap 'stop_checks; stop_redis' EXIT
cat >"$WORK/check/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/check/nginx.pid;
error_log $WORK/check/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$CB;
    location / {
      add_header x-backend-saw-x-added "\$http_x_added" always;
      add_header x-backend-saw-x-jwt-sub "\$http_x_jwt_sub" always;
      add_header x-backend-saw-traceparent "\$http_traceparent" always;
      return 200 "ok\n";
    }
  }
}
NGINX
setsid nginx -p "$WORK/check" -c "$WORK/check/nginx.conf" -g 'daemon off;' >"$WORK/check/nginx.out" 2>&1 </dev/null &
CHECK_PIDS+=("$!")
if [[ " ${VLIST[*]} " == *" tracing_"* ]]; then # the span sink for the check and every run: 202 to any POST
  start_sink "$WORK/sink"
fi
trap 'stop_checks; stop_redis; stop_sink' EXIT
AUTH=(); [[ -n "$BENCH_HEADER" ]] && AUTH=(-H "$BENCH_HEADER")
check_variant() { # variant: response head to check/$v.head; upstream connections opened for 20 requests
  local v="$1" i
  gen_config "$WORK/check/$v.yaml" "$CW" "$CB" "$v" "127.0.0.1:$CA"
  setsid "$WEIR" run -c "$WORK/check/$v.yaml" --concurrency 1 >"$WORK/check/$v.out" 2>&1 </dev/null &
  local pid=$!
  CHECK_PIDS+=("$pid")
  for i in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || { log "check Weir ($v) died:"; tail -20 "$WORK/check/$v.out" >&2; exit 1; }
    [[ "$(curl -s "${AUTH[@]}" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CW/small" || true)" == 200 ]] && break
    sleep 0.1
  done
  curl -s -i "${AUTH[@]}" -H 'x-added: from-client' "http://127.0.0.1:$CW/small" | tr -d '\r' | sed '/^$/q' >"$WORK/check/$v.head"
  # without the credentials (an auth variant must answer 401)
  curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$CW/small" >"$WORK/check/$v.nocred"
  # 20 sequential requests on one client connection: how many upstream connections does Weir open?
  local c0 c1
  c0="$(curl -s "http://127.0.0.1:$CA/stats" | awk -F': ' '/^weir_cluster_upstream_cx_total/{print $2}')"
  # shellcheck disable=SC2046 # one URL per word
  curl -s "${AUTH[@]}" $(for i in $(seq 20); do echo "http://127.0.0.1:$CW/small"; done) >/dev/null
  c1="$(curl -s "http://127.0.0.1:$CA/stats" | awk -F': ' '/^weir_cluster_upstream_cx_total/{print $2}')"
  if [[ $v == tracing_100pct* ]]; then # every request's two spans reach the sink (batches go out each second)
    for i in $(seq 50); do
      curl -s "http://127.0.0.1:$CA/stats/prometheus" \
        | awk '/^weir_tracing_spans_exported_total/ {n = $2} END {exit !(n >= 40)}' && break
      sleep 0.1
    done
  fi
  curl -s "http://127.0.0.1:$CA/stats/prometheus" >"$WORK/check/$v.stats"
  echo "$v $(( ${c1:-0} - ${c0:-0} ))" >>"$WORK/check/upstream-cx.txt"
  kill -TERM -- "-$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
for i in $(seq 50); do [[ -n "$(ss -ltnH "sport = :$CB")" ]] && break; sleep 0.1; done
: >"$WORK/check/upstream-cx.txt"
# java (example.add_header): the client's value is replaced on the request (the backend saw "bench")
# and the response carries x-added: bench. A Wasm module adds rather than replaces: the client's value
# stays first, so the backend shows that one (the module's value follows it), or "bench" for a module
# that replaces. no filter: the client's value passes, no x-added on the response.
for v in "${VLIST[@]}"; do
  check_variant "$v"
  h="$WORK/check/$v.head"
  case "$v" in
    no_filter) grep -qx 'x-backend-saw-x-added: from-client' "$h" && ! grep -q '^x-added:' "$h" \
                 && ! grep -q '^x-backend-saw-traceparent:' "$h" ;;
    local_ratelimit | redis_ratelimit) # passes like no filter, and the filter counted the requests it allowed
      grep -qx 'x-backend-saw-x-added: from-client' "$h" && ! grep -q '^x-added:' "$h" \
        && awk '/^weir_ratelimit_allowed_total/ {n += $2} END {exit !(n >= 21)}' "$WORK/check/$v.stats" ;;
    java) grep -qx 'x-added: bench' "$h" && grep -qx 'x-backend-saw-x-added: bench' "$h" ;;
    jwt_authn) # the token's sub reached the backend; no token: 401
      grep -qx 'x-backend-saw-x-jwt-sub: bench-user' "$h" && grep -qx 401 "$WORK/check/$v.nocred" ;;
    basic_auth) # the right password passes; none: 401
      grep -qx 'HTTP/1.1 200 OK' "$h" && grep -qx 401 "$WORK/check/$v.nocred" ;;
    tracing_1pct) # passes like no filter, and the backend saw a traceparent Weir made (the client sent none)
      grep -qx 'x-backend-saw-x-added: from-client' "$h" && grep -q '^x-backend-saw-traceparent: 00-[0-9a-f]\{32\}-[0-9a-f]\{16\}-[0-9a-f]\{2\}$' "$h" ;;
    tracing_*) # the same, and the sink accepted every span (22 requests, 2 spans each) with no failed export
      grep -qx 'x-backend-saw-x-added: from-client' "$h" && grep -q '^x-backend-saw-traceparent: 00-[0-9a-f]\{32\}-[0-9a-f]\{16\}-01$' "$h" \
        && awk '/^weir_tracing_spans_exported_total/ {n = $2} /^weir_tracing_export_failures_total/ {f = $2} END {exit !(n >= 40 && f == 0)}' "$WORK/check/$v.stats" ;;
    *) grep -qx 'x-added: bench' "$h" && grep -qx 'x-backend-saw-x-added: \(bench\|from-client\)' "$h" ;;
  esac || { log "$v check failed:"; cat "$h" >&2; exit 1; }
  log "check passed for $v ($(grep -i '^x-added:\|^x-backend-saw' "$h" | tr '\n' ' '))"
  cp "$h" "$OUTDIR/check-$v.txt"
done
stop_checks
log "upstream connections opened for 20 sequential keep-alive requests: $(tr '\n' ' ' <"$WORK/check/upstream-cx.txt")"
cp "$WORK/check/upstream-cx.txt" "$OUTDIR/check-upstream-cx.txt"

# ---- 4. alternate runs, each after the machine is idle -------------------------------------------
# shellcheck source=lib/idle.sh
source "$ROOT/bench/lib/idle.sh" # busy_pct, others, wait_idle
newest_report() { # the shared reports are named by their stamp: the last in name order is the newest
  find "$PEER_BENCH_DIR/results" -maxdepth 1 -name '*.md' 2>/dev/null | sort | tail -1 || true
}
LIST="$WORK/runs.tsv"; : >"$LIST"
N=0; TOTAL=$((RUNS * ${#VLIST[@]}))
for i in $(seq "$RUNS"); do
  for v in "${VLIST[@]}"; do
    wait_idle
    N=$((N + 1)); log "run $i $v ($N of $TOTAL; PEERS=\"$PEERS\" REPS=$REPS)"
    export OURS_CMD="exec $WEIR run -c $WORK/$v.yaml --concurrency 1"
    before="$(newest_report)"
    bash "$SHARED_RUN/run.sh" >"$WORK/run-$i-$v.log"
    after="$(newest_report)"
    [[ -n "$after" && "$after" != "$before" ]] || { log "run $i $v: no new report"; exit 1; }
    s="$(basename "$after" .md)"
    cp "$after" "$OUTDIR/$i-$v-$s.md"; cp "${after%.md}.raw.tsv" "$OUTDIR/$i-$v-$s.raw.tsv"
    cp "$PEER_BENCH_DIR/run/meta.txt" "$OUTDIR/$i-$v-$s.meta.txt"
    # Weir's totals at shutdown (tracing variants): a run whose exporter dropped spans did less work
    grep -ho 'span export stopped: .*' "$PEER_BENCH_DIR/run/ours.out" >"$OUTDIR/$i-$v-$s.spans.txt" 2>/dev/null || true
    printf '%s\t%s\t%s\n' "$i" "$v" "$OUTDIR/$i-$v-$s" >>"$LIST"
  done
done

# ---- 5. summary --------------------------------------------------------------------------------
python3 - "$LIST" "$STAMP" "$COMMIT" "$DIRTY" "$PEERS" "$REPS" "$RUNS" "$WORK/check/upstream-cx.txt" "$LEGEND" >"$SUMMARY" <<'PY'
import sys, statistics as st
lst, stamp, commit, dirty, peers, reps, runs, upcx, legend = sys.argv[1:10]
upcx = dict(l.split() for l in open(upcx) if l.strip())
LBL = dict(l.rstrip("\n").split("\t", 1) for l in open(legend) if l.strip())
V = list(LBL)                      # in the order of VARIANTS, no_filter first
F = V[1:]                          # the filtered variants
TARGETS = {"java": 1.03, "local_ratelimit": 1.03, "tracing_1pct": 1.02, "tracing_100pct": 1.10, "tracing_100pct_zipkin": 1.10, "tracing_100pct_grpc": 1.10,
           "redis_ratelimit": float("inf"), "jwt_authn": float("inf"), "basic_auth": float("inf")}
def target(v): return TARGETS.get(v, 1.05)  # weir.wasm variants: 1.05

def load(base):
    meta = dict(l.rstrip("\n").split("=", 1) for l in open(base + ".meta.txt") if "=" in l)
    clk = int(meta.get("clk_tck", "100"))
    rows = []
    with open(base + ".raw.tsv") as f:
        next(f)
        for line in f:
            rep, case, peer, res = line.rstrip("\n").split("\t", 3)
            kv = {k: float(v) for k, v in (x.split("=", 1) for x in res.split() if "=" in x)}
            kv.update(rep=int(rep), case=case, peer=peer)
            kv["rps"] = kv["requests"] / (kv["duration_us"] / 1e6)
            kv["cpu"] = kv["proc_ticks"] / clk * 1e6 / kv["requests"] if kv["requests"] else float("nan")
            rows.append(kv)
    return meta, rows

runs_ = []
for line in open(lst):
    i, v, base = line.rstrip("\n").split("\t")
    meta, rows = load(base)
    spans = {}
    try:
        for l in open(base + ".spans.txt"):
            spans = {k: int(x) for k, x in (f.split("=", 1) for f in l.split() if "=" in f)}
    except OSError:
        pass
    runs_.append(dict(i=int(i), v=v, stamp=meta["stamp"], meta=meta, rows=rows, spans=spans))

def sel(run, peer, case="tput"):
    return [r for r in run["rows"] if r["peer"] == peer and r["case"] == case]

def med(rs, k):
    return st.median(r[k] for r in rs) if rs else float("nan")

def run_of(i, v):
    rr = [r for r in runs_ if r["i"] == i and r["v"] == v]
    return rr[0] if rr else None

has_nginx = "nginx" in peers.split()
out = []
w = out.append
w(f"# Filter cost: {', '.join(F)} vs no filter ({stamp})")
w("")
w(f"- Weir commit {commit}" + (f", working tree modified in: {dirty.strip()}" if dirty.strip() else ", clean working tree") + ".")
w(f"- `bench/filter-cost.sh`: {len(V)} variants ({' '.join(V)}), {runs} runs per variant in one session, alternating "
  f"(round i = one run of each variant in this order), each a run of ../shared/bench/run.sh "
  f"with PEERS=\"{peers}\", REPS={reps}; Weir 1 worker pinned, JAVA_OPTS `{runs_[0]['meta'].get('java_opts', '')}`.")
w("- Variants (the configs differ from no_filter only by the filter entry on the listener):")
for v in V:
    w(f"  - `{v}`: {LBL[v]}")
w("- Figures: throughput case (128 B /small, 64 connections, wrk -t1, "
  f"{runs_[0]['meta'].get('d_tput')} s per round). `CPU us/req` = CPU time of the proxy's process per request; "
  "per run the median over its rounds; per variant the median over all rounds of all its runs. A pair is the "
  "variant's run and the no-filter run of the same round.")
w("- Check before the runs (a separate Weir of each variant in front of a check nginx): all passed; 20 sequential "
  "requests on one keep-alive client connection opened "
  + ", ".join(f"{upcx.get(v, '?')} ({v})" for v in V) + " upstream connection(s).")
w("")
w("## Per run")
w("")
w("| run | variant | report | Weir CPU us/req | Weir req/s | Weir p99 ms |" + (" nginx CPU us/req | nginx req/s | nginx p99 ms | Weir/nginx CPU |" if has_nginx else "") + " other % (max) | busy before % |")
w("|---|---|---|---|---|---|" + ("---|---|---|---|" if has_nginx else "") + "---|---|")
for r in runs_:
    o = sel(r, "ours"); n = sel(r, "nginx")
    oth = max(x["other_cpu_pct"] for x in r["rows"] if x["case"] == "tput")
    line = f"| {r['i']} | {r['v']} | {r['stamp']} | {med(o,'cpu'):.1f} | {med(o,'rps'):,.0f} | {med(o,'p99_us')/1000:.2f} |"
    if has_nginx:
        line += f" {med(n,'cpu'):.1f} | {med(n,'rps'):,.0f} | {med(n,'p99_us')/1000:.2f} | {med(o,'cpu')/med(n,'cpu'):.3f} |"
    line += f" {oth:.0f} | {r['meta'].get('busy_before', '?')} |"
    w(line)
TRACED = [v for v in F if v.startswith("tracing_")]
def dropped(rr):  # spans exported and dropped over the runs rr, from Weir's line at shutdown
    e = sum(r["spans"].get("spans_exported", 0) for r in rr)
    d = sum(r["spans"].get("spans_dropped", 0) for r in rr)
    missing = sum(1 for r in rr if not r["spans"])
    return e, d, missing
if TRACED:
    w("")
    w("Spans per tracing run (Weir's totals at shutdown, warm-up included): "
      + "; ".join(f"run {r['i']} {r['v']}: " + (f"{r['spans'].get('spans_exported', 0):,} exported, {r['spans'].get('spans_dropped', 0):,} dropped"
                  if r["spans"] else "no shutdown line") for r in runs_ if r["v"] in TRACED) + ".")
w("")
w("## Per variant (median over all rounds)")
w("")
w("| variant | runs x rounds | Weir CPU us/req | spread of run medians | Weir req/s | Weir p99 ms |" + (" nginx CPU us/req | nginx req/s | Weir/nginx CPU |" if has_nginx else "") + " 16 KiB Weir CPU us/req |")
w("|---|---|---|---|---|---|" + ("---|---|---|" if has_nginx else "") + "---|")
agg = {}
for v in V:
    rr = [r for r in runs_ if r["v"] == v]
    o = [x for r in rr for x in sel(r, "ours")]
    n = [x for r in rr for x in sel(r, "nginx")]
    b = [x for r in rr for x in sel(r, "ours", "bw")]
    per_run = [med(sel(r, "ours"), "cpu") for r in rr]
    spread = (max(per_run) - min(per_run)) / st.median(per_run) * 100
    a = dict(cpu=med(o, "cpu"), rps=med(o, "rps"), p99=med(o, "p99_us"), ncpu=med(n, "cpu"), nrps=med(n, "rps"),
             bw=med(b, "cpu"), per_run=per_run, spread=spread)
    agg[v] = a
    line = f"| {v} | {len(rr)} x {len(o)//max(len(rr),1)} | {a['cpu']:.1f} | {spread:.1f}% ({' / '.join(f'{x:.1f}' for x in per_run)}) | {a['rps']:,.0f} | {a['p99']/1000:.2f} |"
    if has_nginx:
        line += f" {a['ncpu']:.1f} | {a['nrps']:,.0f} | {a['cpu']/a['ncpu']:.3f} |"
    line += f" {a['bw']:.1f} |"
    w(line)
A = agg["no_filter"]
res = {}
for v in F:
    B = agg[v]
    w("")
    w(f"## Ratio {v} / no filter")
    w("")
    ratio = B["cpu"] / A["cpu"]
    w(f"- CPU us/req, medians over all rounds: {B['cpu']:.1f} / {A['cpu']:.1f} = **{ratio:.3f}** ({(ratio-1)*100:+.1f}%)")
    pairs = []
    for i in sorted({r["i"] for r in runs_}):
        a, b = run_of(i, "no_filter"), run_of(i, v)
        if a and b:
            ca, cb = med(sel(a, "ours"), "cpu"), med(sel(b, "ours"), "cpu")
            s = f"pair {i} ({a['stamp']} -> {b['stamp']}): {cb:.1f} / {ca:.1f} = {cb/ca:.3f}"
            if has_nginx:
                na, nb = med(sel(a, "nginx"), "cpu"), med(sel(b, "nginx"), "cpu")
                s += f"; against nginx in each run: {cb/nb:.3f} / {ca/na:.3f} = {(cb/nb)/(ca/na):.3f}"
            pairs.append(cb / ca)
            w(f"- {s}")
    if pairs:
        w(f"- per-pair ratios range {min(pairs):.3f} .. {max(pairs):.3f}")
    dbl = float("nan")
    if has_nginx:
        dbl = (B['cpu']/B['ncpu'])/(A['cpu']/A['ncpu'])
        w(f"- Weir/nginx CPU us/req: no filter {A['cpu']/A['ncpu']:.3f}, {v} {B['cpu']/B['ncpu']:.3f}; ratio of the two {dbl:.3f}")
    w(f"- req/s {v} / no filter: {B['rps']/A['rps']:.3f}; p99: {B['p99']/A['p99']:.3f}; "
      f"16 KiB CPU us/req: {B['bw']/A['bw']:.3f}")
    met = ratio <= target(v)
    if v in TRACED:  # an exporter that dropped spans did less work than it was asked to
        e, d, missing = dropped([r for r in runs_ if r["v"] == v])
        lost = d / (e + d) if e + d else 0.0
        w(f"- spans exported {e:,}, dropped {d:,} ({lost*100:.2f}%)" + (f"; {missing} run(s) without Weir's shutdown line" if missing else ""))
        if lost > 0.001 or missing:
            met = False
            w("- **not judged**: spans were dropped (or not counted), so the exporter did not do all its work")
    w((f"- no CPU target; " if target(v) == float("inf") else f"- target <= {target(v):.2f} CPU us/req: {'met' if met else 'not met'} on the medians; ")
      + f"ratio {ratio:.3f}; noise: run medians of one variant spread {A['spread']:.1f}% (no filter) and {B['spread']:.1f}% ({v})")
    res[v] = dict(ratio=ratio, pairs=pairs, dbl=dbl, met=met)
w("")
w("## Summary")
w("")
w("| variant | Weir CPU us/req | vs no filter | pair range | Weir/nginx | req/s | p99 ms |")
w("|---|---|---|---|---|---|---|")
for v in V:
    B = agg[v]
    wn = f"{B['cpu']/B['ncpu']:.3f}" if has_nginx else "-"
    if v == "no_filter":
        w(f"| {v} | {B['cpu']:.1f} | 1 | - | {wn} | {B['rps']:,.0f} | {B['p99']/1000:.2f} |")
    else:
        r = res[v]
        pr = f"{min(r['pairs']):.3f} .. {max(r['pairs']):.3f}" if r["pairs"] else "-"
        if has_nginx:
            wn += f" (x{r['dbl']:.3f} vs no filter)"
        w(f"| {v} | {B['cpu']:.1f} | {r['ratio']:.3f} ({(r['ratio']-1)*100:+.1f}%) | {pr} | {wn} | {B['rps']:,.0f} | {B['p99']/1000:.2f} |")
w("")
w("Targets on the medians: " + "; ".join(f"{v} <= {target(v):.2f}: {'met' if res[v]['met'] else 'not met'} ({res[v]['ratio']:.3f})" for v in F if target(v) != float("inf")) + ".")
print("\n".join(out))
PY
cat "$SUMMARY"
log "summary written to $SUMMARY; reports in $OUTDIR"
