#!/usr/bin/env bash
# The one way the suite runs a k6 script, used by make, the tests and the
# benchmarks. It picks the runtime and says which:
#   1. $K6, when set (a k6 binary: your own, or one that resolves k6/x/redis itself);
#   2. .bin/k6, built by `make k6` (k6 + xk6-redis);
#   3. k6 on PATH;
#   4. otherwise the Node runner (runner/), a stand-in that runs the same bundles
#      on machines without a k6 binary, and announces that it is not k6.
# QUEUE_K6_RUNTIME=node forces 4; QUEUE_K6_RUNTIME=k6 refuses to fall back to it.
# Usage: tools/k6.sh run [k6 options] build/<scenario>.js
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="${QUEUE_K6_RUNTIME:-auto}"
case "$want" in auto|k6|node) ;; *)
  echo "invalid QUEUE_K6_RUNTIME; reason: expected auto, k6 or node, got \"$want\"" >&2; exit 2 ;;
esac

bin=""
if [[ "$want" != node ]]; then
  if [[ -n "${K6:-}" ]]; then
    if [[ ! -x "$K6" ]] && ! command -v "$K6" >/dev/null 2>&1; then
      echo "K6=$K6 is not an executable k6 binary; unset K6 to use .bin/k6 (make k6) or the k6 on PATH" >&2
      exit 2
    fi
    bin="$K6"
  elif [[ -x "$ROOT/.bin/k6" ]]; then
    bin="$ROOT/.bin/k6"
  elif command -v k6 >/dev/null 2>&1; then
    bin="$(command -v k6)"
  elif [[ "$want" == k6 ]]; then
    echo "no k6 binary: set K6=/path/to/k6, run make k6, or put k6 on PATH (or drop QUEUE_K6_RUNTIME=k6 to use the Node runner)" >&2
    exit 2
  fi
fi

# The `k6 vX.Y.Z` part of `k6 version`, wherever it is: builds with extensions
# may print an extension line (`go.k6.io/k6/v2/ext/..., k6/x/redis [js]`) first.
k6_version_of() {
  local out
  out="$("$1" version 2>&1 || true)"
  if [[ "$out" =~ (k6 v[0-9]+\.[0-9]+\.[0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; fi
}

# `run` gets -e QUEUE_K6_VERSION=<k6 vX.Y.Z> (not a secret): the script then
# takes that line's module names without trying any (lib/k6/select.ts) and
# records the version in its results. Other subcommands get the arguments as given.
with_version() {
  local version="$1"; shift
  if [[ "${1:-}" == run && -n "$version" ]]; then
    printf '%s\0' run -e "QUEUE_K6_VERSION=$version" "${@:2}"
  elif (( $# > 0 )); then
    printf '%s\0' "$@"
  fi
}

if [[ -n "$bin" ]]; then
  version="$(k6_version_of "$bin")"
  echo "queue-k6: running on ${version:-k6 (version unknown)} ($bin)" >&2
  mapfile -d '' args < <(with_version "$version" "$@")
  exec "$bin" "${args[@]}"
fi

if [[ ! -d "$ROOT/node_modules/tsx" ]]; then
  echo "the Node runner needs the project's dependencies: run npm ci in $ROOT" >&2
  exit 2
fi
# The runner acts as the k6 release QUEUE_RUNNER_K6_VERSION names (default 2.2; it rejects other values itself).
line="${QUEUE_RUNNER_K6_VERSION:-2.2}"
line="${line#v}"
version=""
if [[ "$line" =~ ^[0-9]+\.[0-9]+$ ]]; then version="k6 v$line.0 (queue-k6 Node runner)"; fi
echo "queue-k6: no k6 binary found (K6, .bin/k6, PATH); using the Node runner${version:+ as ${version%% (*}}" >&2
# The runner's heap policy, for a load generator holding thousands of idle users,
# which runs short of memory long before CPU: after each full collection the old
# generation may grow 25% above what survived (V8's default: up to 4x, when V8
# chooses), and the young generation's semispaces stay at 4 MB (default 16 MB).
# Peak RSS stays near the live data and repeatable from run to run (make bench;
# README "Benchmarks"), for 10-20% more CPU in garbage collection.
# QUEUE_RUNNER_V8_FLAGS replaces these flags; set it empty for V8's defaults.
v8flags="${QUEUE_RUNNER_V8_FLAGS---heap-growing-percent=25 --max-semi-space-size=4}"
mapfile -d '' args < <(with_version "$version" "$@")
# shellcheck disable=SC2086 # flags are words
exec node $v8flags --import "$ROOT/node_modules/tsx/dist/esm/index.mjs" "$ROOT/runner/cli.ts" "${args[@]}"
