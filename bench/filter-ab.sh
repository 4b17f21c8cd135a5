#!/usr/bin/env bash
# The cost of one filter measured inside one Weir: two listeners in the same process, `a` with no
# filter and `b` with the variant's filter, both routing to the same backend nginx. Two wrk
# processes, one per listener, take turns (the other stopped) in 1-s windows, a b a b ..., and each
# window's CPU per request is the Weir process's CPU time (every thread) over the requests it
# completed in that window.
#
#   bench/filter-ab.sh                          # wasm-c: 100 windows per listener after 60 s of warm-up (about 5 minutes)
#   VARIANT=java bench/filter-ab.sh             # the Java plugin's example.add_header
#   VARIANT=no_filter bench/filter-ab.sh        # the A/A control: b has no filter either; shows the method's resolution
#   VARIANT=wasm WASM_MODULE=path/to/m.wasm bench/filter-ab.sh
#   VARIANT=tracing_100pct bench/filter-ab.sh   # tracing (1pct, 100pct, 100pct_grpc, 100pct_zipkin): two processes, see below
#   VARIANT=no_filter PROCS=2 bench/filter-ab.sh  # the A/A control of the two-process mode
#
# Why, beside bench/filter-cost.sh: there every variant is a separate JVM, and on this 2-core VM
# two starts of the same config differ by up to 20% in CPU per request (JIT decisions, neighbours),
# more than a 5% target. Here both listeners share one JVM, one JIT, one heap and the same minutes
# of the machine, so a pair's ratio leaves out what differs between starts. What it cannot leave
# out: the kernel code both listeners run is compiled with profiles from both (in a Weir with
# only the filtered listener, or only the plain one, it may compile differently), and the filter's
# cost is measured as a marginal cost inside a process that serves both.
#
# Tracing (VARIANT=tracing_*): the variant's top-level tracing block, listener a with
# `http.tracing: { enabled: false }` and b tracing as the block says. Its spans are exported by the
# tracer's own thread a second or so after the requests that made them, partly in a's windows, so
# that thread's CPU (weir-trace-export) is taken out of every window and its total spread over b's
# requests. GC is not separated: b's extra garbage is collected in whichever window fills the heap.
#
# Two processes (PROCS=2): Weir a without a filter or tracing on listener a, Weir b with the
# variant on listener b, both pinned to the proxy core and both running throughout, while the
# two wrk take turns as above. A window's CPU per request for a process is its CPU time (every
# thread) from the start of its window to the start of its next one (its own window and the other's
# that follows, where its exporter and GC finish the window's work) over its requests in the same
# span. The span sink is the nginx of bench/filter-cost.sh (202 to any POST, gRPC on h2c), on the
# load core. What two processes add back: each JVM compiles the shared code on its own; the A/A
# control (VARIANT=no_filter PROCS=2) shows how much that moves the ratio, and runs of the same
# variant differ by a few points (two runs of tracing_1pct: +2.3% and +4.6%). For tracing, whose
# code sits in the kernel's request path, two processes measure 5 to 7 points more than one
# (the untraced listener of one process runs code compiled with tracing in it): use PROCS=2 for
# what turning tracing on costs a Weir.
#
# Knobs (env): VARIANT (no_filter, java, local_ratelimit, wasm-<name> = plugins-examples/
# wasm-add-header-<name>/target/filter.wasm, wasm = WASM_MODULE, tracing_1pct, tracing_100pct,
# tracing_100pct_grpc, tracing_100pct_zipkin), PROCS (1 or 2 Weir processes), PAIRS (windows per listener, 100),
# D (seconds per window, 1), WARMUP (seconds of warm-up in 5-s turns, 60), CONNS (64), PROXY_CPU (0), LOAD_CPU (1: wrk and
# the backend), BACKEND_PORT (18300; Weir on +1 and +2, admin +3 and, of Weir b, +4; span sink +21 and
# +22), JAVA_OPTS (as the shared bench:
# -Xms256m -Xmx256m -XX:+UseSerialGC), SKIP_BUILD=1 (use the built distribution), IDLE_MAX (seconds
# to wait for an idle machine, 600), TRACING_BATCH (tracing variants: the block's `batch` settings,
# e.g. "max_queue_size: 8192, max_export_batch_size: 2048"; unset, Weir's defaults). Needs nginx, wrk and curl (installed with apt-get if missing).
# Writes bench/results/filter-ab-<variant>-<stamp>.md, the windows to <same>.tsv, the config to <same>.yaml.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -f "$SHARED/conf/backend-nginx.conf.in" && -f "$SHARED/lib/report.lua" ]] \
  || { echo "filter-ab: $SHARED/conf/backend-nginx.conf.in or lib/report.lua not found (set SHARED_BENCH)" >&2; exit 1; }
VARIANT="${VARIANT:-wasm-c}"
PAIRS="${PAIRS:-100}"; D="${D:-1}"; WARMUP="${WARMUP:-60}"; CONNS="${CONNS:-64}"
PROXY_CPU="${PROXY_CPU:-0}"; LOAD_CPU="${LOAD_CPU:-1}"
BACKEND_PORT="${BACKEND_PORT:-18300}"; PA=$((BACKEND_PORT + 1)); PB=$((BACKEND_PORT + 2)); ADMIN=$((BACKEND_PORT + 3))
JAVA_OPTS="${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC}"; export JAVA_OPTS
IDLE_MAX="${IDLE_MAX:-600}"
WORK="${PEER_BENCH_DIR:-/tmp/peer-bench}/filter-ab"
WEIR="$ROOT/distro/target/weir/bin/weir"
JAR="$ROOT/plugins-examples/java-add-header/target/java-add-header.jar"
log() { printf '[%s] filter-ab: %s\n' "$(date +%T)" "$*" >&2; }
# shellcheck source=lib/filter-variants.sh
source "$ROOT/bench/lib/filter-variants.sh" # wasm_module, filter_block
# shellcheck source=lib/span-sink.sh
source "$ROOT/bench/lib/span-sink.sh" # tracing_block, start_sink, stop_sink

case "$VARIANT" in
  no_filter | java | local_ratelimit | wasm | wasm-[A-Za-z0-9_]*) PROCS="${PROCS:-1}" ;;
  tracing_1pct | tracing_100pct | tracing_100pct_grpc | tracing_100pct_zipkin)
    PROCS="${PROCS:-1}" ;;
  *) log "VARIANT must be no_filter, java, local_ratelimit, wasm-<name>, wasm or tracing_<1pct|100pct|100pct_grpc|100pct_zipkin> (not '$VARIANT')"; exit 1 ;;
esac
[[ $PROCS == 1 || $PROCS == 2 ]] || { log "PROCS must be 1 or 2 (not '$PROCS')"; exit 1; }
ADMIN_B=$ADMIN; ((PROCS == 2)) && ADMIN_B=$((BACKEND_PORT + 4))
SINK_PORT=$((BACKEND_PORT + 21)); GRPC_SINK_PORT=$((BACKEND_PORT + 22))
[[ "$PAIRS" =~ ^[1-9][0-9]*$ && "$D" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ ]] \
  || { log "PAIRS and D must be positive integers, WARMUP an integer (got PAIRS=$PAIRS D=$D WARMUP=$WARMUP)"; exit 1; }
need=()
for c in nginx:nginx wrk:wrk curl:curl; do command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}"); done
if ((${#need[@]})); then
  log "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building (mvn -q -o -DskipTests -Dspotless.check.skip=true package)"
  (cd "$ROOT" && mvn -q -o -DskipTests -Dspotless.check.skip=true package) >&2
fi
[[ -x "$WEIR" && -f "$JAR" ]] || { log "$WEIR or $JAR missing: build first"; exit 1; }
if [[ $VARIANT == wasm* ]]; then
  m="$(wasm_module "$VARIANT")"
  [[ -n "$m" && -f "$m" ]] || { log "variant $VARIANT: module '${m}' missing (WASM_MODULE=..., or build plugins-examples first)"; exit 1; }
  [[ $VARIANT == wasm ]] && WASM_MODULE="$(realpath "$m")"
fi
for p in $BACKEND_PORT $PA $PB $ADMIN $ADMIN_B; do
  [[ -z "$(ss -ltnH "sport = :$p")" ]] || { log "port $p is in use (pick another BACKEND_PORT)"; exit 1; }
done

# ---- wait for an idle machine (no JVM or Maven of anyone, under 20% of one core busy) ----------
IDLE_PCT=20; IDLE_POLL=15
# shellcheck source=lib/idle.sh
source "$ROOT/bench/lib/idle.sh" # busy_pct, others, wait_idle
wait_idle

# ---- backend (the shared bench's nginx, 128 B /small) and Weir with two listeners ---------------
rm -rf "$WORK"; mkdir -p "$WORK/www" "$WORK/plugins/add-header"
cp "$JAR" "$WORK/plugins/add-header/"
head -c 128 /dev/zero | tr '\0' 'a' >"$WORK/www/small"
sed -e "s#@RUN@#$WORK#g" -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" "$SHARED/conf/backend-nginx.conf.in" >"$WORK/backend.conf"
listener() { # name port variant
  printf '%s\n' "  - name: $1" "    address: 127.0.0.1:$2" '    http:'
  # one process with a tracing block: listener a traces nothing
  [[ $PROCS == 1 && $VARIANT == tracing_* && $1 == a ]] && printf '%s\n' '      tracing: { enabled: false }'
  filter_block "$3"
  printf '%s\n' '      virtual_hosts:' '        - name: all' '          domains: ["*"]' '          routes:' \
    '            - match: { prefix: "/" }' '              route: { cluster: backend, timeout: 15s }'
}
clusters() { printf '%s\n' 'clusters:' '  - name: backend' '    connect_timeout: 2s' '    endpoints:' "      - address: 127.0.0.1:$BACKEND_PORT"; }
if ((PROCS == 1)); then
  {
    echo "# generated by bench/filter-ab.sh: listener a without a filter, b with $VARIANT"
    tracing_block "$VARIANT"
    echo "plugin_dirs: [$WORK/plugins]"
    echo "admin: { address: 127.0.0.1:$ADMIN }"
    echo "listeners:"
    listener a "$PA" no_filter
    listener b "$PB" "$VARIANT"
    clusters
  } >"$WORK/weir.yaml"
else
  {
    echo "# generated by bench/filter-ab.sh: Weir a (listener a) without a filter or tracing"
    echo "plugin_dirs: [$WORK/plugins]"
    echo "admin: { address: 127.0.0.1:$ADMIN }"
    echo "listeners:"
    listener a "$PA" no_filter
    clusters
  } >"$WORK/weir-a.yaml"
  {
    echo "# generated by bench/filter-ab.sh: Weir b (listener b) with $VARIANT"
    tracing_block "$VARIANT"
    echo "plugin_dirs: [$WORK/plugins]"
    echo "admin: { address: 127.0.0.1:$ADMIN_B }"
    echo "listeners:"
    listener b "$PB" "$VARIANT"
    clusters
  } >"$WORK/weir-b.yaml"
  cat "$WORK/weir-a.yaml" "$WORK/weir-b.yaml" >"$WORK/weir.yaml"
fi
PIDS=()
stop_all() { local p; for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
             for p in "${PIDS[@]}"; do for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL -- "-$p" 2>/dev/null || true; done; }
trap 'stop_all; stop_sink' EXIT
[[ $VARIANT == tracing_* ]] && start_sink "$WORK/sink"
setsid taskset -c "$LOAD_CPU" nginx -p "$WORK" -c "$WORK/backend.conf" -g 'daemon off;' >"$WORK/backend.out" 2>&1 </dev/null &
PIDS+=("$!")
declare -A WPID=() WOUT=()
if ((PROCS == 1)); then
  setsid taskset -c "$PROXY_CPU" "$WEIR" run -c "$WORK/weir.yaml" --concurrency 1 >"$WORK/weir.out" 2>&1 </dev/null &
  WPID[a]=$!; WPID[b]=$!; WOUT[a]="$WORK/weir.out"; WOUT[b]="$WORK/weir.out"; PIDS+=("$!")
else
  for l in a b; do
    setsid taskset -c "$PROXY_CPU" "$WEIR" run -c "$WORK/weir-$l.yaml" --concurrency 1 >"$WORK/weir-$l.out" 2>&1 </dev/null &
    WPID[$l]=$!; WOUT[$l]="$WORK/weir-$l.out"; PIDS+=("$!")
  done
fi
for l in a b; do
  port=$PA; [[ $l == b ]] && port=$PB
  for i in $(seq 900); do
    kill -0 "${WPID[$l]}" 2>/dev/null || { log "Weir died:"; tail -20 "${WOUT[$l]}" >&2; exit 1; }
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/small" || true)" == 200 ]] && break
    (( i == 900 )) && { log "Weir not ready on :$port after 90 s"; tail -20 "${WOUT[$l]}" >&2; exit 1; }
    sleep 0.1
  done
done
# the check: b's filter adds x-added: bench (unless the variant adds nothing), a adds nothing
ha="$(curl -s -D - -o /dev/null "http://127.0.0.1:$PA/small" | tr -d '\r')"
hb="$(curl -s -D - -o /dev/null "http://127.0.0.1:$PB/small" | tr -d '\r')"
grep -q '^x-added:' <<<"$ha" && { log "listener a added x-added: the configs are wrong"; exit 1; }
case "$VARIANT" in
  java | wasm-*) grep -qx 'x-added: bench' <<<"$hb" || { log "listener b ($VARIANT) did not add x-added: bench:"; echo "$hb" >&2; exit 1; } ;;
esac
if ((PROCS == 1)); then
  log "Weir (pid ${WPID[a]}) on :$PA (no filter) and :$PB ($VARIANT); backend nginx on :$BACKEND_PORT"
else
  log "Weir a (pid ${WPID[a]}) on :$PA (no filter), Weir b (pid ${WPID[b]}) on :$PB ($VARIANT); backend nginx on :$BACKEND_PORT"
fi

# ---- windows ------------------------------------------------------------------------------------
# Two wrk processes run for the whole session, one per listener; only one is running at a time (the
# other is stopped with SIGSTOP), and they swap every D seconds. At each swap the script reads the
# Weir process's CPU time (every thread's schedstat, in ns) and both listeners' request counters
# from the admin endpoint; a window's CPU per request is its CPU over the requests completed in it.
# The up to CONNS requests still in flight when a wrk stops finish in the next window (counted
# there: about 0.1% of a window's requests). The script itself runs on the load core.
taskset -cp "$LOAD_CPU" $$ >/dev/null
cpu_ns() { # session leader -> "all jit export": CPU ns of every thread of its processes, of the JIT compiler threads and of the span exporter among them
  local p f=()
  for p in $(pgrep -s "$1" 2>/dev/null); do f+=(/proc/"$p"/task/*/comm /proc/"$p"/task/*/schedstat); done
  awk '{ d = FILENAME; sub(/\/[^\/]*$/, "", d) } FILENAME ~ /comm$/ { c[d] = $0; next } { s += $1; if (c[d] ~ /^C[12] CompilerThre/) j += $1; if (c[d] ~ /^weir-trace-exp/) e += $1 }
       END { printf "%.0f %.0f %.0f\n", s, j, e }' "${f[@]}" 2>/dev/null || true
}
cpus() { # "a b jit_a jit_b export": the CPU ns of Weir a and Weir b, of their JIT compilers, of the span exporter (one process: all of it in a, 0 in b)
  local xa ja ea xb=0 jb=0 eb=0
  read -r xa ja ea < <(cpu_ns "${WPID[a]}")
  ((PROCS == 1)) || read -r xb jb eb < <(cpu_ns "${WPID[b]}")
  echo "$xa $xb $ja $jb $((ea + eb))"
}
admin_stat() { # admin_port name_regex -> the first value (0 when absent)
  curl -s "http://127.0.0.1:$1/stats?filter=$2" | awk -F': ' 'NR == 1 {v = $2} END {printf "%d\n", v}'; }
rq() { # "a b": each listener's weir_http_downstream_rq_total
  echo "$(admin_stat "$ADMIN" '^weir_http_downstream_rq_total.*listener="a"') $(admin_stat "$ADMIN_B" '^weir_http_downstream_rq_total.*listener="b"')"
}
core_busy() { awk -v c="cpu$PROXY_CPU" '$1==c{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat; }
declare -A WRK=()
for l in a b; do
  port=$PA; [[ $l == b ]] && port=$PB
  setsid taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d3600s --timeout 60s "http://127.0.0.1:$port/small" >"$WORK/wrk-$l.out" 2>&1 </dev/null &
  WRK[$l]=$!; PIDS+=("$!")
done
sleep 0.5; kill -STOP "${WRK[b]}"; ACTIVE=a
swap() { local other=a; [[ $ACTIVE == a ]] && other=b; kill -STOP "${WRK[$ACTIVE]}"; kill -CONT "${WRK[$other]}"; ACTIVE=$other; }
TSV="$WORK/windows.tsv"; printf 'phase\twindow\tlistener\tseconds\tcpu_ns\trequests\tother_pct\tcpu_a_ns\tcpu_b_ns\trq_a\trq_b\tjit_a_ns\tjit_b_ns\texport_ns\n' >"$TSV"
T0=$SECONDS
# The warm-up reads the counters and the CPU times every D seconds as the windows do: the first
# scrape of the admin endpoint loads and compiles its code, and the class loading invalidated
# compiled request-path code in both Weirs (about 220 recompilations in the next 5 s, with
# -XX:+PrintCompilation), which otherwise fell into the first measured windows.
while (( SECONDS - T0 < WARMUP )); do
  for _ in 1 2 3 4 5; do sleep "$D"; rq >/dev/null; cpus >/dev/null; core_busy >/dev/null; done
  swap
done
log "warm-up done ($((SECONDS - T0)) s); measuring $PAIRS windows of ${D} s per listener, alternating"
read -r ra rb < <(rq); read -r ca cb ja jb ea < <(cpus); read -r -a k0 < <(core_busy); t0=$(date +%s%N)
for w in $(seq $((2 * PAIRS))); do
  sleep "$D"
  for l in a b; do kill -0 "${WRK[$l]}" 2>/dev/null || { log "wrk for listener $l died:"; cat "$WORK/wrk-$l.out" >&2; exit 1; }; done
  read -r ra1 rb1 < <(rq); read -r ca1 cb1 ja1 jb1 ea1 < <(cpus); read -r -a k1 < <(core_busy); t1=$(date +%s%N)
  l=$ACTIVE; swap
  # other % = the proxy core's busy time beyond Weir's CPU, in % of the window
  awk -v w="$w" -v l="$l" -v s=$((t1 - t0)) -v xa=$((ca1 - ca)) -v xb=$((cb1 - cb)) -v na=$((ra1 - ra)) -v nb=$((rb1 - rb)) -v ja=$((ja1 - ja)) -v jb=$((jb1 - jb)) -v ex=$((ea1 - ea)) \
    -v kb=$((k1[0] - k0[0])) -v kt=$((k1[1] - k0[1])) \
    'BEGIN { c = xa + xb; o = kt > 0 ? (kb / kt) * 100 - c / s * 100 : 0
             printf "measure\t%d\t%s\t%.3f\t%.0f\t%d\t%.1f\t%.0f\t%.0f\t%d\t%d\t%.0f\t%.0f\t%.0f\n", w, l, s / 1e9, c, na + nb, (o < 0 ? 0 : o), xa, xb, na, nb, ja, jb, ex }' >>"$TSV"
  ra=$ra1; rb=$rb1; ca=$ca1; cb=$cb1; ja=$ja1; jb=$jb1; ea=$ea1; k0=("${k1[@]}"); t0=$t1
done
for l in a b; do kill -0 "${WPID[$l]}" 2>/dev/null || { log "Weir died during the run"; tail -20 "${WOUT[$l]}" >&2; exit 1; }; done
kill -CONT "${WRK[a]}" "${WRK[b]}" 2>/dev/null || true
ERRS=0
for p in $(printf '%s\n' "$ADMIN" "$ADMIN_B" | sort -u); do
  ERRS=$((ERRS + $(curl -s "http://127.0.0.1:$p/stats?filter=^weir_http_downstream_rq_xx" | awk -F': ' '!/code_class="2xx"/ {n += $2} END {print n + 0}')))
done
SPANS="" # tracing: b's span totals, after the last export (batches go out each second)
if [[ $VARIANT == tracing_* ]]; then
  kill -STOP "${WRK[a]}" "${WRK[b]}"; sleep 3
  SPANS="$(admin_stat "$ADMIN_B" '^weir_tracing_spans_exported_total') $(admin_stat "$ADMIN_B" '^weir_tracing_spans_dropped_total') $(admin_stat "$ADMIN_B" '^weir_tracing_export_failures_total') $(admin_stat "$ADMIN_B" '^weir_http_downstream_rq_total.*listener="b"')"
  kill -CONT "${WRK[a]}" "${WRK[b]}" 2>/dev/null || true
fi

# ---- summary ------------------------------------------------------------------------------------
STAMP="$(date +%F_%H%M%S)"
OUT="$ROOT/bench/results/filter-ab-$VARIANT-$STAMP"
mkdir -p "$ROOT/bench/results"
cp "$TSV" "$OUT.tsv"; cp "$WORK/weir.yaml" "$OUT.yaml"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no | awk '{print $2}' | tr '\n' ' ')"
python3 - "$TSV" "$VARIANT" "$STAMP" "$COMMIT" "$DIRTY" "$D" "$WARMUP" "$CONNS" "$JAVA_OPTS" "$ERRS" \
  "$(filter_block "$VARIANT" | sed -n 's/^ *- name: //p')" "$PROCS" "$SPANS" >"$OUT.md.part" <<'PY'
import os, platform, sys, random, statistics as st
tsv, variant, stamp, commit, dirty, d, warmup, conns, jopts, errs, fname, procs, spans = sys.argv[1:14]
procs = int(procs)
rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
W = [dict(w=int(r[1]), l=r[2], s=float(r[3]), other=float(r[6]), xa=int(r[7]), xb=int(r[8]), na=int(r[9]), nb=int(r[10]), ja=int(r[11]), jb=int(r[12]), ex=int(r[13])) for r in rows]
E, NB = sum(w["ex"] for w in W), sum(w["nb"] for w in W)
for i, w in enumerate(W):
    if procs == 1:  # the process's CPU over every request it completed in the window; the span
        # exporter's CPU (only b's requests make spans) spread over b's requests
        w["ns"], w["n"] = w["xa"] + w["xb"] - w["ex"] + E * w["nb"] / NB, w["na"] + w["nb"]
    else:  # the active process's CPU and requests from its window's start to its next window's
        nxt = W[i + 1 : i + 2]
        k = w["l"]
        w["ns"] = w["x" + k] + sum(v["x" + k] for v in nxt)
        w["n"] = w["n" + k] + sum(v["n" + k] for v in nxt)
    w["cpu"] = w["ns"] / 1e3 / w["n"] if w["n"] else float("nan")
    w["rps"] = w["n" + w["l"]] / w["s"]
# each b window against the mean of the a windows either side of it (cancels a linear drift)
R = []
for i, w in enumerate(W):
    if w["l"] == "b" and 0 < i < len(W) - 1:
        R.append(w["cpu"] / ((W[i - 1]["cpu"] + W[i + 1]["cpu"]) / 2))
pool = lambda l: sum(w["ns"] for w in W if w["l"] == l) / 1e3 / sum(w["n"] for w in W if w["l"] == l)
pa, pb = pool("a"), pool("b")
rnd = random.Random(1)
boots = sorted(st.median(rnd.choices(R, k=len(R))) for _ in range(2000))
lo, hi = boots[int(0.05 * len(boots))], boots[int(0.95 * len(boots)) - 1]
med = st.median(R)
A = [w for w in W if w["l"] == "a"]; B = [w for w in W if w["l"] == "b"]
o = []
p = o.append
p(f"# Filter cost inside one Weir: {variant} vs no filter ({stamp})")
p("")
p(f"- Weir commit {commit}" + (f", working tree modified in: {dirty.strip()}" if dirty.strip() else ", clean working tree") + ".")
p(f"- Machine: kernel {platform.release()}, {os.cpu_count()} CPUs.")
what = f"`{fname}`" if fname else (f"the variant's tracing block ({variant}, spans to the sink nginx on the load core)" if variant.startswith("tracing_") else "no filter either (the A/A control)")
if procs == 1:
    p(f"- `bench/filter-ab.sh`: one Weir (1 worker pinned, JAVA_OPTS `{jopts}`), listener a without a filter, listener b with "
      + what + f"; two wrk -t1 -c{conns} on 128 B /small, one per listener, run in turn ({warmup} s of warm-up in 5-s turns, then "
  f"{len(W)} windows of {d} s: a b a b ...); wrk and the backend nginx on the other core.")
    p("- A window's CPU us/req = the Weir process's CPU time (schedstat of every thread) over the requests Weir completed in it "
      "(its admin counters); each b window is compared with the mean of the a windows either side of it."
      + (" Listener a has `http.tracing: { enabled: false }`; the span exporter thread's CPU is taken out of every window and its total "
         f"({E / 1e9:.2f} s, {E / max(NB, 1):.0f} ns per b request) spread over b's requests." if variant.startswith("tracing_") else ""))
else:
    p(f"- `bench/filter-ab.sh` with two processes (PROCS=2): Weir a with listener a, no filter and no tracing; Weir b with listener b and "
      + what + f"; both 1 worker pinned to the same core, JAVA_OPTS `{jopts}`, both running throughout; two wrk -t1 -c{conns} on 128 B /small, one per listener, "
      f"run in turn ({warmup} s of warm-up in 5-s turns, then {len(W)} windows of {d} s: a b a b ...); wrk, the backend nginx and any span sink on the other core.")
    p("- A window's CPU us/req = its process's CPU time (schedstat of every thread) from the start of the window to the start of that "
      "process's next window (so its exporter's and GC's work after the window is in), over its requests in the same span; "
      "each b window is compared with the mean of the a windows either side of it.")
p("")
p("| listener | windows | CPU us/req: median | min .. max | req/s median | other % on the proxy core (max) |")
p("|---|---|---|---|---|---|")
for name, X in (("a (no filter)", A), (f"b ({variant})", B)):
    p(f"| {name} | {len(X)} | {st.median(w['cpu'] for w in X):.2f} | {min(w['cpu'] for w in X):.2f} .. {max(w['cpu'] for w in X):.2f} | "
      f"{st.median(w['rps'] for w in X):,.0f} | {max(w['other'] for w in X):.0f} |")
p("")
p(f"- **b / a: median {med:.3f} ({(med-1)*100:+.1f}%)** over {len(R)} b windows; 90% bootstrap interval of the median {lo:.3f} .. {hi:.3f}; "
  f"mean {st.mean(R):.3f}, sd {st.stdev(R):.3f}; quartiles {st.quantiles(R, n=4)[0]:.3f} .. {st.quantiles(R, n=4)[2]:.3f}.")
p(f"- Pooled over all windows: a {pa:.2f}, b {pb:.2f} CPU us/req, b / a {pb/pa:.3f}.")
q = len(R) // 4
if q:
    p("- b / a by quarter of the session (medians; a trend means the warm-up was too short): "
      + ", ".join(f"{st.median(R[j * q:(j + 1) * q]):.3f}" for j in range(4)) + ".")
p(f"- JIT compiler threads over the measured windows: {sum(w['ja'] for w in W) / max(1, sum(w['xa'] for w in W)) * 100:.1f}% of "
  + ("Weir's CPU." if procs == 1 else f"Weir a's CPU, {sum(w['jb'] for w in W) / max(1, sum(w['xb'] for w in W)) * 100:.1f}% of Weir b's."))
p(f"- Responses other than 2xx over the whole session (warm-up included): {errs}.")
if spans:
    ex, dr, fails, nreq = (int(x) for x in spans.split())
    p(f"- Weir b's spans over the whole session (warm-up included): {ex:,} exported, {dr:,} dropped, {fails} failed exports, "
      f"for {nreq:,} requests ({ex / nreq:.3f} spans exported per request)" + (" **more than 0.1% dropped: b did less work than it should**" if dr > ex / 1000 else "") + ".")
print("\n".join(o))
PY
mv "$OUT.md.part" "$OUT.md" # only a complete summary lands
cat "$OUT.md"
log "written to $OUT.md (windows: $OUT.tsv)"
