#!/usr/bin/env bash
# make bench: the report's render time for a 10,000-user run (bench/report-render.ts),
# the cost of k6 --out json per sample on the Node runner (runner/output-json.bench.ts),
# the suite's Socket.IO client alone per user and per frame (bench/client-frames.ts),
# then the scale benchmark (bench/scale.ts: the suite's client (a) beside bare
# WebSockets (b), socket.io-client (c) and the fair CPU floor (d), the same HTTP
# calls and a bare WebSocket), each with nothing else running. docs/benchmarks.md.
# Sockets need file descriptors on both ends (load generator and target): raise
# the soft open-files limit to the hard one, at most 20000, before starting.
# Environment: BENCH_USERS ("1000 5000 10000"), BENCH_USERS_PER_VU, BENCH_HOLD_MS,
# BENCH_DRAIN_MS, BENCH_DRAIN_BATCH, BENCH_HTTP_CONCURRENCY, BENCH_VARIANTS ("a b c d"),
# BENCH_KDF_COST, BENCH_LOCAL_IPS, BENCH_CPU_PROF, QUEUE_RUNNER_V8_FLAGS, K6_LEGACY; see bench/scale.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
hard="$(ulimit -Hn)"
want=20000
if [[ "$hard" != unlimited ]] && (( hard < want )); then want="$hard"; fi
ulimit -n "$want" || echo "bench: cannot raise ulimit -n to $want (now $(ulimit -n)); large N may fail" >&2
echo "== report: parse and render a synthetic 10,000-user run's samples"
timeout --kill-after=10 300 node --import tsx bench/report-render.ts
echo "== --out json: cost per sample (Node runner)"
timeout --kill-after=10 300 node --import tsx runner/output-json.bench.ts
echo "== Socket.IO client alone: per user and per frame, no network"
timeout --kill-after=10 300 node --import tsx bench/client-frames.ts
echo "== scale: waiting users per load-generator process, and the fair CPU floor"
exec timeout --kill-after=30 1500 node --import tsx bench/scale.ts
