#!/usr/bin/env bash
# make scenario-N: runs one scenario end to end and exits with k6's exit code.
# Without API_URL it starts the reference target and its own Redis, configured
# with the scenario's QUEUE_THRESHOLD and QUEUE_PROCESSOR_INTERVAL (or yours),
# and stops them afterwards. With API_URL it runs against that deployment.
# Usage: tools/run-scenario.sh <scenario> [extra k6 options...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
name="${1:-}"
shift || true
script="build/$name.js"

known="$(node -e 'const d=require("./scenarios/defaults.json"); console.log(Object.keys(d).filter(k=>!k.startsWith("$")).join(" "))')"
if [[ -z "$name" || " $known " != *" $name "* ]]; then
  echo "unknown scenario \"$name\"; expected one of: $known" >&2
  exit 2
fi
[[ -f "$script" ]] || { echo "$script is missing: run make build first" >&2; exit 2; }

# The scenario's defaults, unless the caller set them: the target and k6 must agree.
default() { node -e 'const d=require("./scenarios/defaults.json")[process.argv[1]]; console.log(d[process.argv[2]] ?? "")' "$name" "$1"; }
export QUEUE_THRESHOLD="${QUEUE_THRESHOLD:-$(default queueThreshold)}"
export QUEUE_PROCESSOR_INTERVAL="${QUEUE_PROCESSOR_INTERVAL:-$(default processorIntervalMs)}"

if [[ -z "${API_URL:-}" ]]; then
  # The built-in target: a throwaway Redis and a local password.
  export USER_PASSWORD="${USER_PASSWORD:-queue-k6-local}"
  export RUN_DIR="${RUN_DIR:-.run/$name}"
  if [[ -z "${TARGET_PORT:-}" ]]; then
    TARGET_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    export TARGET_PORT
  fi
  trap 'tools/target-ctl.sh down >/dev/null 2>&1 || true' EXIT
  tools/target-ctl.sh up >/dev/null
  # shellcheck disable=SC1091
  set -a; source "$RUN_DIR/target.env"; set +a
  echo "queue-k6: reference target at $API_URL (threshold $QUEUE_THRESHOLD, interval ${QUEUE_PROCESSOR_INTERVAL} ms, faults: ${TARGET_FAULTS:-none})" >&2
fi

set +e
tools/k6.sh run "$@" "$script"
code=$?
set -e
exit "$code"
