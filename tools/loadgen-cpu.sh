#!/usr/bin/env bash
# The load generator's CPU during a local run (tools/run-scenario.sh): the CPU
# time of the calling shell's waited children (k6 or the Node runner; the room
# runs in the background and is not one) over the wall time. The caller writes
# `{ times; date +%s%3N; } >FILE` before and after k6, in its own shell.
#   tools/loadgen-cpu.sh report BEFORE_FILE AFTER_FILE   -> one line; says "saturated" near the limit
# The limit is one core for the Node runner (one JavaScript thread does the
# work) and every core for a k6 binary. LOADGEN_CORES overrides it.
set -euo pipefail

# "<epoch ms> <children CPU-s>" from a file of `times` (2 lines: the shell, its children) and `date +%s%3N`.
mark() {
  awk 'function sec(t,  m, s) { m = t; sub(/m.*/, "", m); s = t; sub(/^[0-9]+m/, "", s); sub(/s$/, "", s); return m * 60 + s }
       NR == 2 { cpu = sec($1) + sec($2) } NR == 3 { now = $1 }
       END { if (now == "") exit 1; printf "%s %.3f\n", now, cpu }' "$1"
}

case "${1:-}" in
  report)
    [[ -f "${2:-}" && -f "${3:-}" ]] || exit 0
    read -r t0 c0 <<<"$(mark "$2")"
    read -r t1 c1 <<<"$(mark "$3")"
    if [[ -n "${LOADGEN_CORES:-}" ]]; then limit="$LOADGEN_CORES"
    elif [[ "${QUEUE_K6_RUNTIME:-}" != node ]] && { [[ -n "${K6:-}" ]] || command -v k6 >/dev/null 2>&1 || [[ -x .bin/k6 ]]; }; then limit="$(nproc)"
    else limit=1
    fi
    awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v limit="$limit" -v cores="$(nproc)" 'BEGIN {
      wall = (t1 - t0) / 1000; cpu = c1 - c0
      if (wall <= 0) exit 0
      avg = cpu / wall
      line = sprintf("queue-k6: load generator used %.1f CPU-s in %.1f s: %.2f cores on average (its limit here: %s of %d)", cpu, wall, avg, limit, cores)
      if (avg >= 0.9 * limit) line = line "; it was saturated: late arrivals, slow connects and timeouts in this run may come from the load generator, not the room (fewer USERS, or split the run: INSTANCES)"
      print line
    }'
    ;;
  *) echo "usage: tools/loadgen-cpu.sh report BEFORE_FILE AFTER_FILE" >&2; exit 2 ;;
esac
