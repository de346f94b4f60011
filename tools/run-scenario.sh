#!/usr/bin/env bash
# make scenario-N: runs one scenario end to end and exits with k6's exit code.
# Without API_URL it starts the reference target and its own Redis, configured
# with the scenario's QUEUE_THRESHOLD and QUEUE_PROCESSOR_INTERVAL (or yours),
# and stops them afterwards. With API_URL it runs against that deployment.
#
# Results go to $RESULTS_DIR (default results/) under one prefix per run,
# <scenario>-<UTC stamp>: .json (summary data), .junit.xml, .ndjson.gz (every
# sample, k6 --out json) and, when report/cli.ts exists, .html.
#
# INSTANCES=N (N > 1) splits the run the way the k6-operator does with
# parallelism N: N k6 processes at once, each with its own execution segment,
# all queueing for one EVENT_ID, their first arrivals at one START_AT (epoch ms;
# default: SPLIT_START_DELAY_MS, 15000, from now). Each instance writes <prefix>-i<k>of<N>.*
# (and .log, its output, also streamed here with an [i<k>of<N>] prefix); then
# the verdict (verdict/cli.ts) judges the whole run's thresholds on their
# merged summaries and its exit code is the run's.
# SOCKET_URLS=url0,url1,... gives instance k (1-based) SOCKET_URL = entry (k-1) mod
# the list's length, e.g. one room process each (make scale); unset, all share SOCKET_URL.
# DISRUPT=process|all|redis or DISRUPT_CMD="...": the room is disrupted DISRUPT_AT_MS after the first
# arrival (the restart scenario: DISRUPT=process by default) by tools/disruptor.ts, which k6 asks when
# the run starts and polls for what it did; the record goes to <prefix>.disruption.json (docs/restart.md).
# Usage: tools/run-scenario.sh <scenario> [extra k6 options...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
name="${1:-}"
shift || true
script="build/$name.js"
TSX="$ROOT/node_modules/tsx/dist/esm/index.mjs"

known="$(node -e 'const d=require("./scenarios/defaults.json"); console.log(Object.keys(d).filter(k=>!k.startsWith("$")).join(" "))')"
if [[ -z "$name" || " $known " != *" $name "* ]]; then
  echo "unknown scenario \"$name\"; expected one of: $known" >&2
  exit 2
fi
[[ -f "$script" ]] || { echo "$script is missing: run make build first" >&2; exit 2; }

instances="${INSTANCES:-1}"
if ! [[ "$instances" =~ ^[0-9]+$ ]] || (( instances < 1 || instances > 1000 )); then
  echo "invalid INSTANCES; reason: expected an integer from 1 to 1000, got \"$instances\"" >&2
  exit 2
fi

# The scenario's defaults, unless the caller set them: the target and k6 must agree.
default() { node -e 'const d=require("./scenarios/defaults.json")[process.argv[1]]; console.log(d[process.argv[2]] ?? "")' "$name" "$1"; }
export QUEUE_THRESHOLD="${QUEUE_THRESHOLD:-$(default queueThreshold)}"
export QUEUE_PROCESSOR_INTERVAL="${QUEUE_PROCESSOR_INTERVAL:-$(default processorIntervalMs)}"

# k6 creates no folder for handleSummary's files (k6-reference: "Exit codes").
results_dir="${RESULTS_DIR:-results}"
mkdir -p "$results_dir"
prefix="$results_dir/$name-$(date -u +%Y%m%dT%H%M%SZ)"

pids=()
cleanup() {
  local pid
  # Instances still running (the script was interrupted): stop the processes this script started.
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  if [[ -n "${disruptor_pid:-}" ]]; then kill -TERM "$disruptor_pid" 2>/dev/null || true; wait "$disruptor_pid" 2>/dev/null || true; fi
  if [[ "${target_started:-}" == 1 ]]; then tools/target-ctl.sh down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# A disruption mid-run (docs/restart.md). The restart scenario disrupts one room process unless told otherwise.
if [[ "$name" == restart && -z "${DISRUPT+set}" && -z "${DISRUPT_CMD:-}" ]]; then export DISRUPT=process; fi
disrupting=''
if [[ -n "${DISRUPT:-}" || -n "${DISRUPT_CMD:-}" ]]; then
  disrupting=1
  (( instances == 1 )) || { echo "DISRUPT and DISRUPT_CMD need one k6 instance (INSTANCES=1): the disruption is timed from that instance's start" >&2; exit 2; }
  export DISRUPT_AT_MS="${DISRUPT_AT_MS:-$(default disruptAtMs)}"
  export DISRUPT_AT_MS="${DISRUPT_AT_MS:-3000}"
  # The reference room runs under a supervisor that starts a killed process again.
  if [[ -z "${API_URL:-}" ]]; then export TARGET_RESPAWN=1 DISRUPT_REFERENCE_ROOM=1; fi
fi

if [[ -z "${API_URL:-}" ]]; then
  # The built-in target: a throwaway Redis and a local password.
  export USER_PASSWORD="${USER_PASSWORD:-queue-k6-local}"
  export RUN_DIR="${RUN_DIR:-.run/$name}"
  if [[ -z "${TARGET_PORT:-}" ]]; then
    # A room of N processes also listens on TARGET_PORT+1 .. TARGET_PORT+N: find a block that is free.
    # (A malformed TARGET_PROCESSES is target-ctl's to name; here it only asks for no extra ports.)
    extra=0
    processes="${TARGET_PROCESSES:-1}"
    if [[ "$processes" =~ ^[0-9]{1,2}$ ]] && (( processes > 1 )); then extra="$processes"; fi
    TARGET_PORT="$(node tools/free-port.mjs "$extra")"
    export TARGET_PORT
  fi
  # REDIS_URL is the probes' Redis, the room's own is TARGET_REDIS_URL: unset, the probes read the
  # room's Redis; empty (make scenario-N REDIS_URL=), the run goes without probes while the room
  # keeps the Redis target-ctl starts for it; a URL, the room uses that Redis too.
  probes_redis_set="${REDIS_URL+set}" probes_redis="${REDIS_URL:-}"
  # SERVER_METRICS_URLS likewise: unset, the run samples every room process's /metrics; empty, no server source.
  server_urls_set="${SERVER_METRICS_URLS+set}"
  target_started=1
  tools/target-ctl.sh up >/dev/null
  # shellcheck disable=SC1091
  set -a; source "$RUN_DIR/target.env"; set +a
  export TARGET_REDIS_URL="$REDIS_URL"
  if [[ -n "$probes_redis_set" ]]; then export REDIS_URL="$probes_redis"; fi
  if [[ -z "$server_urls_set" ]]; then export SERVER_METRICS_URLS="${TARGET_METRICS_URLS:-}"; fi
  echo "queue-k6: reference target at $API_URL (threshold $QUEUE_THRESHOLD, interval ${QUEUE_PROCESSOR_INTERVAL} ms, faults: ${TARGET_FAULTS:-none}, Redis probes: $([[ -n "$REDIS_URL" ]] && echo on || echo 'off, REDIS_URL empty'))" >&2
fi

disrupt_env=()
if [[ -n "$disrupting" ]]; then
  port_file="$(mktemp)"
  DISRUPT_RECORD="$prefix.disruption.json" RUN_DIR="${RUN_DIR:-.run}" node --import "$TSX" tools/disruptor.ts "$port_file" &
  disruptor_pid=$!
  for (( i = 0; i < 100; i++ )); do [[ -s "$port_file" ]] && break; kill -0 "$disruptor_pid" 2>/dev/null || break; sleep 0.1; done
  [[ -s "$port_file" ]] || { rm -f "$port_file"; echo "queue-k6: the disruptor did not start (see above)" >&2; exit 2; }
  disrupt_env=(-e "DISRUPT_STATUS_URL=http://127.0.0.1:$(cat "$port_file")" -e "DISRUPT_AT_MS=$DISRUPT_AT_MS")
  rm -f "$port_file"
  echo "queue-k6: disruption ${DISRUPT_CMD:+DISRUPT_CMD=\"$DISRUPT_CMD\"}${DISRUPT_CMD:-DISRUPT=$DISRUPT} planned ${DISRUPT_AT_MS} ms after the first arrival (timeout ${DISRUPT_TIMEOUT_MS:-60000} ms)" >&2
fi

samples=()
if (( instances == 1 )); then
  # `times` in this shell (not in a $(...) subshell, which has no children): k6's CPU once it is waited for.
  { times; date +%s%3N; } >"$prefix.cpu0" 2>/dev/null || true
  set +e
  tools/k6.sh run --out "json=$prefix.ndjson.gz" -e "RESULTS_PREFIX=$prefix" "${disrupt_env[@]}" "$@" "$script"
  code=$?
  set -e
  # The load generator's own CPU (this shell's waited children: k6, not the room), to tell a busy generator from a busy room.
  { times; date +%s%3N; } >"$prefix.cpu1" 2>/dev/null || true
  bash tools/loadgen-cpu.sh report "$prefix.cpu0" "$prefix.cpu1" >&2 || true
  rm -f "$prefix.cpu0" "$prefix.cpu1"
  summary="$prefix.json"
  junit="$prefix.junit.xml"
  samples=("$prefix.ndjson.gz")
else
  # All instances queue for one event, which is also the run id the verdict checks (unless TESTID is set).
  if [[ -z "${EVENT_ID:-}" ]]; then EVENT_ID="$(node -e 'console.log(require("crypto").randomUUID())')"; fi
  export EVENT_ID
  # k6's sequence of all the segments: 0,1/N,2/N,...,1
  sequence="0"
  for (( i = 1; i < instances; i++ )); do sequence+=",$i/$instances"; done
  sequence+=",1"
  bound() { if (( $1 == 0 )); then echo 0; elif (( $1 == instances )); then echo 1; else echo "$1/$instances"; fi; }
  # One instant for every instance's first arrival: processes started together still
  # initialise at different speeds, and a late instance's users would otherwise
  # arrive after the first instance's admitted users left (more immediate admissions
  # than the threshold, on a correct target). The k6-operator aligns its runners
  # itself (--paused, then one starter).
  if [[ -z "${START_AT:-}" ]]; then START_AT=$(( $(date +%s%3N) + ${SPLIT_START_DELAY_MS:-15000} )); fi
  [[ "$START_AT" =~ ^[0-9]+$ ]] || { echo "invalid START_AT; reason: expected epoch milliseconds, got \"$START_AT\"" >&2; exit 2; }
  echo "queue-k6: $name split over $instances k6 instances, event $EVENT_ID, first arrival at $(date -u -d "@$(( START_AT / 1000 ))" +%H:%M:%SZ), results $prefix-i<k>of$instances.*" >&2

  socket_urls=()
  if [[ -n "${SOCKET_URLS:-}" ]]; then IFS=, read -ra socket_urls <<<"$SOCKET_URLS"; fi
  segments=()
  for (( i = 0; i < instances; i++ )); do
    k=$(( i + 1 ))
    tag="i${k}of${instances}"
    part="$prefix-$tag"
    segment="$(bound "$i"):$(bound "$k")"
    segments+=("$segment")
    samples+=("$part.ndjson.gz")
    own=()
    if (( ${#socket_urls[@]} > 0 )); then own=(-e "SOCKET_URL=${socket_urls[i % ${#socket_urls[@]}]}"); fi
    (
      set +e
      tools/k6.sh run --execution-segment "$segment" --execution-segment-sequence "$sequence" \
        -e "INSTANCES=$instances" -e "EVENT_ID=$EVENT_ID" -e "START_AT=$START_AT" -e "RESULTS_PREFIX=$part" "${own[@]}" \
        --out "json=$part.ndjson.gz" "$@" "$script" 2>&1 \
        | tee "$part.log" | sed -u "s/^/[$tag] /"
      exit "${PIPESTATUS[0]}"
    ) &
    pids+=("$!")
  done

  inputs=()
  for (( i = 0; i < instances; i++ )); do
    k=$(( i + 1 ))
    part="$prefix-i${k}of${instances}"
    set +e
    wait "${pids[$i]}"
    instance_code=$?
    set -e
    echo "queue-k6: instance i${k}of${instances} (segment ${segments[$i]}) exited $instance_code" >&2
    # The summary file, else the marker line in the instance's output (handleSummary could not write the file).
    if [[ -f "$part.json" ]]; then inputs+=("$part.json")
    elif grep -q 'QUEUE_K6_PARTIAL ' "$part.log" 2>/dev/null; then inputs+=("$part.log")
    else echo "queue-k6: instance i${k}of${instances} left no summary (see $part.log)" >&2
    fi
  done
  pids=()

  summary="$prefix-verdict.json"
  junit="$prefix-verdict.junit.xml"
  if (( ${#inputs[@]} == 0 )); then
    echo "queue-k6: no instance left a summary: no verdict" >&2
    code=2
  else
    # The verdict says "N of M instances" and fails when some are missing.
    set +e
    node --import "$TSX" verdict/cli.ts --results "$results_dir" --out "$prefix-verdict" "${inputs[@]}"
    code=$?
    set -e
  fi
fi

# Capacity: the exact knee from every sample (capacity/cli.ts; a split run's verdict computes it over all
# instances); the run's exit code stays k6's.
if [[ "$name" == capacity && -f "$summary" ]] && (( instances == 1 )); then
  node --import "$TSX" capacity/cli.ts "$summary" || echo "queue-k6: warning: no exact knee (see above); the summary's in-run answer stands" >&2
fi

# The HTML report, when this checkout has one: its failure is a warning, never the run's verdict.
report=""
if [[ -f report/cli.ts && -f "$summary" ]]; then
  report_args=(--summary "$summary")
  for s in "${samples[@]}"; do [[ -f "$s" ]] && report_args+=(--samples "$s"); done
  if report_err="$(node --import "$TSX" report/cli.ts "${report_args[@]}" --out "$prefix.html" 2>&1 >/dev/null)"; then
    report="$prefix.html"
  else
    echo "queue-k6: warning: the HTML report failed: ${report_err:-exit code $?}" >&2
  fi
fi

if [[ -n "${disruptor_pid:-}" ]]; then kill -TERM "$disruptor_pid" 2>/dev/null || true; wait "$disruptor_pid" 2>/dev/null || true; disruptor_pid=''; fi

show() { if [[ -f "$2" ]]; then printf 'queue-k6: %-8s %s\n' "$1" "$2"; fi; }
show summary "$summary"
show junit "$junit"
show disruption "$prefix.disruption.json"
for s in "${samples[@]}"; do show samples "$s"; done
if [[ -n "$report" ]]; then show report "$report"; fi
exit "$code"
