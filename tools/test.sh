#!/usr/bin/env bash
# The test command (make test): type-check both sides, run the Node unit tests,
# then the end-to-end tests that run the built scenarios on the suite's k6
# (tools/k6.sh) against the reference target. `tools/test.sh unit` stops after
# the unit tests; `tools/test.sh e2e` runs only the end-to-end tests;
# `tools/test.sh faults` only the fault matrix (FAULT_RUNS times each, see
# test/e2e/faults.test.ts; make test-faults runs it 5 times); `tools/test.sh
# hostile` the whole hostile matrix (make test-hostile; CI runs its CI set).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
what="${1:-all}"
case "$what" in all|unit|e2e|faults|hostile) ;; *) echo "usage: tools/test.sh [all|unit|e2e|faults|hostile]" >&2; exit 2 ;; esac
bash tools/ensure-redis.sh
unit=()
e2e=()

files() { find "$@" -name '*.test.ts' -not -path '*/node_modules/*' | sort; }

if [[ "$what" == all || "$what" == unit ]]; then
  echo "== typecheck"
  npm run --silent typecheck
  echo "== unit tests"
  mapfile -t unit < <(files lib runner reference-room verdict report compare runs capacity)
fi
if [[ "$what" == all || "$what" == e2e ]]; then
  echo "== build (K6_SUMMARY=${K6_SUMMARY:-local})"
  K6_SUMMARY="${K6_SUMMARY:-local}" node tools/build.mjs
  mapfile -t e2e < <(files test/e2e)
fi
if [[ "$what" == faults || "$what" == hostile ]]; then
  echo "== build (K6_SUMMARY=${K6_SUMMARY:-local})"
  K6_SUMMARY="${K6_SUMMARY:-local}" node tools/build.mjs
  e2e=("test/e2e/$what.test.ts")
fi
# One node --test run, so its closing summary counts every test.
node --import tsx --test --test-concurrency=1 "${unit[@]}" "${e2e[@]}"
