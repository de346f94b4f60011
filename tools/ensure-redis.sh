#!/usr/bin/env bash
# Makes sure redis-server is installed: the built-in target and the tests need
# one. As root on Debian/Ubuntu it installs Debian's redis-server package (what
# .ci/run does); otherwise it says how to, and fails.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "queue-k6: redis-server is missing; installing Debian's redis-server package (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq redis-server >/dev/null
  command -v redis-server >/dev/null 2>&1 && exit 0
fi
echo "redis-server not found: install it (sudo apt-get install -y redis-server), or point the run at an existing Redis with REDIS_URL=redis://host:port" >&2
exit 2
