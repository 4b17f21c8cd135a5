#!/usr/bin/env bash
# Several runs of bench/filter-ab.sh per variant, the variants taking turns in rounds, and one
# summary across the runs.
#
#   bench/filter-ab-rounds.sh                                    # 3 rounds of no_filter, wasm-c, java (two processes)
#   VARIANTS="wasm-c tracing_100pct tracing_1pct" ROUNDS=2 bench/filter-ab-rounds.sh
#
# Why: one run's median b / a has a 90% interval of a few points over its windows, but the next
# run of the same build starts two new JVMs, and their JIT state moves the ratio by about 2 points
# either way (two-process A/A controls of one build: 0.985, 0.999, 1.019). A target a few points
# wide is judged on the median of several runs, with the no_filter runs (the A/A control) in the
# same rounds showing how far a run strays. The machine's speed also drifts (a request without a
# filter took 12.5 to 25 us of CPU on different hours), which moves a ratio whose numerator is a
# fixed cost; so the summary also gives each run's pooled b - a in us per request.
#
# Knobs (env): VARIANTS (default "no_filter wasm-c java"), ROUNDS (3), and everything
# bench/filter-ab.sh reads (PROCS defaults to 2 here). SKIP_BUILD=1 skips the build before the
# first run; later runs never build. Writes bench/results/filter-ab-rounds-<stamp>.md, beside each
# run's own report; the runs' log goes to /tmp/peer-bench/filter-ab-rounds-<stamp>.log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VARIANTS="${VARIANTS:-no_filter wasm-c java}"
ROUNDS="${ROUNDS:-3}"
export PROCS="${PROCS:-2}"
log() { printf '[%s] filter-ab-rounds: %s\n' "$(date +%T)" "$*" >&2; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { log "ROUNDS must be a positive integer (not '$ROUNDS')"; exit 1; }
read -r -a vs <<<"$VARIANTS"
((${#vs[@]})) || { log "VARIANTS is empty"; exit 1; }
STAMP="$(date +%Y-%m-%d_%H%M%S)"
mkdir -p "${PEER_BENCH_DIR:-/tmp/peer-bench}" "$ROOT/bench/results"
LOG="${PEER_BENCH_DIR:-/tmp/peer-bench}/filter-ab-rounds-$STAMP.log"
OUT="$ROOT/bench/results/filter-ab-rounds-$STAMP.md"
skip="${SKIP_BUILD:-0}"
reports=()
for r in $(seq "$ROUNDS"); do
  for v in "${vs[@]}"; do
    log "round $r of $ROUNDS: $v"
    rc=0
    VARIANT="$v" SKIP_BUILD="$skip" "$ROOT/bench/filter-ab.sh" >>"$LOG" 2>&1 || rc=$?
    report="$(sed -n 's/.*filter-ab: written to \([^ ]*\.md\) .*/\1/p' "$LOG" | tail -1)"
    if ((rc != 0)) || [[ -z "$report" || " ${reports[*]} " == *" $v=$report "* ]]; then
      log "the run of $v failed (exit $rc); its output:"; tail -20 "$LOG" >&2; exit 1
    fi
    reports+=("$v=$report")
    skip=1
  done
done
python3 - "$OUT" "$ROUNDS" "$PROCS" "${reports[@]}" <<'PY'
import os, re, statistics, sys
out, rounds, procs, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
by = {}
for item in runs:
    v, path = item.split("=", 1)
    t = open(path).read()
    med = re.search(r"b / a: median ([0-9]+\.[0-9]+).*?interval of the median ([0-9]+\.[0-9]+) \.\. ([0-9]+\.[0-9]+)", t)
    pool = re.search(r"Pooled over all windows: a ([0-9]+\.[0-9]+), b ([0-9]+\.[0-9]+) CPU us/req", t)
    commit = re.search(r"Weir commit (\w+)", t)
    if not (med and pool):
        sys.exit(f"filter-ab-rounds: no b / a figures in {path}")
    by.setdefault(v, []).append((float(med.group(1)), med.group(2), med.group(3), float(pool.group(1)),
                                 float(pool.group(2)), commit.group(1) if commit else "?", os.path.basename(path)[:-3]))
lines = [f"# Filter cost over several starts: {', '.join(by)} ({os.path.basename(out)[17:-3]})", "",
         f"- `bench/filter-ab-rounds.sh`: {rounds} round(s), each a run of `bench/filter-ab.sh` per variant in the order above "
         f"(PROCS={procs}); every run's report is in `bench/results/`.",
         "- Per run: the median b / a over its windows with its 90% interval, and the pooled CPU per request of a and b "
         "(b - a is what the variant adds, in us of CPU per request).", ""]
lines += ["| variant | runs | median of the runs' b / a | runs' b / a (min .. max) | median b - a, us/req | a us/req (min .. max) |",
          "|---|---|---|---|---|---|"]
for v, rs in by.items():
    meds = [r[0] for r in rs]
    diffs = [r[4] - r[3] for r in rs]
    aa = [r[3] for r in rs]
    lines.append(f"| {v} | {len(rs)} | **{statistics.median(meds):.3f}** | {min(meds):.3f} .. {max(meds):.3f} | "
                 f"{statistics.median(diffs):+.2f} | {min(aa):.2f} .. {max(aa):.2f} |")
lines += ["", "| variant | run | b / a median | 90% interval | a us/req | b us/req | b - a | commit | report |",
          "|---|---|---|---|---|---|---|---|---|"]
for v, rs in by.items():
    for i, r in enumerate(rs, 1):
        lines.append(f"| {v} | {i} | {r[0]:.3f} | {r[1]} .. {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[4] - r[3]:+.2f} | {r[5]} | `{r[6]}` |")
if "no_filter" in by:
    lines += ["", "The no_filter runs are the A/A control: both Weirs have no filter, so their spread around 1 is "
              "what a single run of any variant can be off by."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "written to $OUT"
