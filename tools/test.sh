#!/usr/bin/env bash
# The test command (make test): type-check both sides, run the Node unit tests,
# then the end-to-end tests that run the built scenarios on the suite's k6
# (tools/k6.sh) against the reference target. `tools/test.sh unit` stops after
# the unit tests; `tools/test.sh e2e` runs only the end-to-end tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
what="${1:-all}"
unit=()
e2e=()

files() { find "$@" -name '*.test.ts' -not -path '*/node_modules/*' | sort; }

if [[ "$what" == all || "$what" == unit ]]; then
  echo "== typecheck"
  npm run --silent typecheck
  echo "== unit tests"
  mapfile -t unit < <(files lib runner target)
fi
if [[ "$what" == all || "$what" == e2e ]]; then
  echo "== build (K6_SUMMARY=${K6_SUMMARY:-local})"
  K6_SUMMARY="${K6_SUMMARY:-local}" node tools/build.mjs
  mapfile -t e2e < <(files test/e2e)
fi
# One node --test run, so its closing summary counts every test.
node --import tsx --test --test-concurrency=1 "${unit[@]}" "${e2e[@]}"
