#!/usr/bin/env bash
# make k6: builds .bin/k6, k6 with the xk6-redis extension, through xk6 and the
# Go module proxy, at the versions pinned in tools/versions.env. Does nothing
# when K6 names a binary, or when .bin/k6 is already that build. Go's module
# and build caches are kept, so a rebuild takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source tools/versions.env

if [[ -n "${K6:-}" ]]; then
  echo "K6=$K6 is set: the suite runs that binary, nothing to build"
  exit 0
fi
want="k6 $K6_VERSION + xk6-redis $XK6_REDIS_VERSION (xk6 $XK6_VERSION)"
if [[ -x .bin/k6 && "$(cat .bin/k6.build 2>/dev/null)" == "$want" ]]; then
  echo ".bin/k6 is already $want"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "building k6 needs Go (1.22 or newer) on PATH; or set K6=/path/to/k6 (a k6 that resolves k6/x/redis by itself needs no build)" >&2
  exit 2
fi
mkdir -p .bin
started=$(date +%s)
GOBIN="$ROOT/.bin" go install "go.k6.io/xk6/cmd/xk6@$XK6_VERSION"
"$ROOT/.bin/xk6" build "$K6_VERSION" --with "github.com/grafana/xk6-redis@$XK6_REDIS_VERSION" --output .bin/k6
echo "$want" > .bin/k6.build
echo "built .bin/k6 in $(( $(date +%s) - started )) s: $(.bin/k6 version | head -n 1)"
