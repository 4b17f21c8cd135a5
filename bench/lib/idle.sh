# Sourced by bench/filter-cost.sh and bench/filter-ab.sh: wait for an idle machine before measuring.
# Reads IDLE_MAX (seconds to wait), IDLE_PCT (busy % of one core that counts as idle) and IDLE_POLL
# (seconds between looks, 30) when called; log is the caller's.
busy_pct() { # CPU busy over 2 s, % of one core (200 = both cores of a 2-core machine)
  local b0 t0 b1 t1
  read -r b0 t0 < <(awk '$1=="cpu"{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat); sleep 2
  read -r b1 t1 < <(awk '$1=="cpu"{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat)
  echo $(( (b1-b0) * 100 * $(nproc) / (t1-t0 > 0 ? t1-t0 : 1) ))
}
others() { # JVMs and Maven processes (builds, tests) of anyone; none of ours is alive between runs
  ps -eo pid=,comm=,args= | awk -v me=$$ '$1 != me && $2 != "awk" && ($2 == "java" || $2 == "mvn" || /surefire|plexus-classworlds/)' || true
}
wait_idle() {
  local waited=0 b o
  while :; do
    o="$(others)"; b="$(busy_pct)"
    [[ -z "$o" && "$b" -le "$IDLE_PCT" ]] && { log "machine idle (busy ${b}% of one core)"; return 0; }
    if (( waited >= IDLE_MAX )); then
      log "machine still busy after ${IDLE_MAX}s (busy ${b}%); stopping"; [[ -n "$o" ]] && cut -c1-200 <<<"$o" >&2; exit 1
    fi
    log "waiting for the machine to go idle (busy ${b}% of one core${o:+; running: $(awk '{print $1"/"$2}' <<<"$o" | tr '\n' ' ')})"
    sleep "${IDLE_POLL:-30}"; waited=$((waited + ${IDLE_POLL:-30}))
  done
}
