#!/usr/bin/env bash
# Process control for the reference target (reference-room/): start it with its own
# throwaway redis-server, wait until it answers, stop everything it started.
#
#   tools/target-ctl.sh up     start in the background; once every room process answers,
#                              prints (and writes to $RUN_DIR/target.env):
#                                API_URL=http://127.0.0.1:<TARGET_PORT>   (every process; HTTP and Socket.IO)
#                                REDIS_URL=redis://...
#                                TARGET_PROCESSES=<N>
#                                TARGET_PROCESS_URLS=<url of process 0>,<url of process 1>,...
#                                  (each process alone, at TARGET_PORT+1+i when N > 1; process 0 runs the processor)
#                                TARGET_PIDS=<main pid>,<pid of process 0>,...   (N > 1; N = 1: the main pid)
#                                TARGET_METRICS_URLS=room=<url>/metrics (N = 1) or room0=<url of process 0>/metrics,...
#   tools/target-ctl.sh down   stop every room process and the redis it started (idempotent)
#   tools/target-ctl.sh run    run in the foreground; its redis stops when it exits
#   tools/target-ctl.sh disrupt process|all|redis
#                              disrupt the running room (docs/restart.md): SIGKILL room process
#                              DISRUPT_PROCESS (default 0) or every room process, and wait until the
#                              supervisor has started them again (the room must run with TARGET_RESPAWN=1);
#                              or SIGKILL the redis-server it started and start it again on its port
#                              (without persistence the queue is gone; TARGET_REDIS_APPENDONLY=1 at
#                              `up` keeps it). Prints one line with what it did and how long it took.
#
# Environment: TARGET_PORT (3001), TARGET_PROCESSES (1: one process; N: N Socket.IO
# processes over one Redis, sharing TARGET_PORT, each also alone on TARGET_PORT+1+i),
# TARGET_NOTIFY (room | user), TARGET_KDF_COST (16384, scrypt N of the password
# hash: higher makes logins and registrations cost more), QUEUE_THRESHOLD,
# QUEUE_PROCESSOR_INTERVAL, TARGET_FAULTS, REDIS_URL (unset: start a redis-server
# on a free loopback port, no persistence), RUN_DIR (.run, relative to the
# repository root). docs/reference-room.md lists every variable.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${RUN_DIR:-.run}"
case "$RUN_DIR" in /*) ;; *) RUN_DIR="$ROOT/$RUN_DIR" ;; esac
TARGET_PORT="${TARGET_PORT:-3001}"
TARGET_PROCESSES="${TARGET_PROCESSES:-1}"
# The processor's first tick at a random point of its interval, as on a target
# that has been up for a while: no verdict may depend on the timer's phase.
TARGET_PROCESSOR_PHASE="${TARGET_PROCESSOR_PHASE:-random}"

TARGET_PID_FILE="$RUN_DIR/target.pid"
# Every room process: the main one first (written by main.ts once all answer).
TARGET_PIDS_FILE="$RUN_DIR/target.pids"
TARGET_LOG="$RUN_DIR/target.log"
REDIS_PID_FILE="$RUN_DIR/redis.pid"
REDIS_LOG="$RUN_DIR/redis.log"
ENV_FILE="$RUN_DIR/target.env"

die() { echo "target-ctl: $*" >&2; exit 1; }
say() { echo "target-ctl: $*" >&2; }

[[ "$TARGET_PORT" =~ ^[0-9]+$ ]] && (( TARGET_PORT >= 1 && TARGET_PORT <= 65535 )) \
  || die "invalid TARGET_PORT; reason: expected an integer from 1 to 65535, got \"$TARGET_PORT\""
[[ "$TARGET_PROCESSES" =~ ^[0-9]+$ ]] && (( TARGET_PROCESSES >= 1 && TARGET_PROCESSES <= 64 )) \
  || die "invalid TARGET_PROCESSES; reason: expected an integer from 1 to 64, got \"$TARGET_PROCESSES\""
(( TARGET_PROCESSES == 1 || TARGET_PORT + TARGET_PROCESSES <= 65535 )) \
  || die "invalid TARGET_PORT; reason: expected a port that leaves room for the $TARGET_PROCESSES per-process ports above it (at most $(( 65535 - TARGET_PROCESSES ))), got $TARGET_PORT"
# Starting N processes takes longer than one (each loads Node, tsx and Socket.IO).
HEALTH_TIMEOUT_S=$(( 30 + 5 * TARGET_PROCESSES ))

# The ports the room listens on: the shared one, then each process's own.
room_ports() {
  local i
  echo "$TARGET_PORT"
  if (( TARGET_PROCESSES > 1 )); then
    for (( i = 0; i < TARGET_PROCESSES; i++ )); do echo $(( TARGET_PORT + 1 + i )); done
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The HTTP status line of GET /health on port $1 (default TARGET_PORT), or nothing.
health_status() {
  local line='' port="${1:-$TARGET_PORT}"
  { exec 3<>"/dev/tcp/127.0.0.1/$port" \
      && printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 \
      && IFS= read -r -t 2 line <&3; } 2>/dev/null || true
  exec 3<&- 2>/dev/null || true
  echo "${line%$'\r'}"
}

# Pid from a pid file when that process is alive and is what we started ($2 = pattern of its command line).
live_pid() {
  local file="$1" pattern="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  echo "$pid"
}

# Sends TERM, waits up to 10 s, then KILL; waits until the process is gone.
stop_pid() {
  local pid="$1" name="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for (( i = 0; i < 100; i++ )); do
    kill -0 "$pid" 2>/dev/null || { say "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  say "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for (( i = 0; i < 50; i++ )); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

stop_redis() {
  local pid
  if pid="$(live_pid "$REDIS_PID_FILE" redis-server)"; then stop_pid "$pid" redis-server; fi
  rm -f "$REDIS_PID_FILE"
}

stop_target() {
  local pid
  # The main process stops its room processes itself...
  if pid="$(live_pid "$TARGET_PID_FILE" reference-room/main.ts)"; then stop_pid "$pid" target; fi
  # ...and they stop by themselves when it is gone; any left (it was killed mid-way) go now.
  if [[ -f "$TARGET_PIDS_FILE" ]]; then
    while IFS= read -r pid; do
      [[ "$pid" =~ ^[0-9]+$ ]] || continue
      if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- 'reference-room/'; then
        stop_pid "$pid" "room process"
      fi
    done <"$TARGET_PIDS_FILE"
  fi
  rm -f "$TARGET_PID_FILE" "$TARGET_PIDS_FILE" "$TARGET_PIDS_FILE.tmp" "$ENV_FILE"
}

REDIS_DIR="$RUN_DIR/redis-data"

# redis-server on 127.0.0.1:$1 in the background, its pid in REDIS_PID_FILE. No persistence, unless
# TARGET_REDIS_APPENDONLY=1: an append-only file synced on every write, so a killed Redis comes back with the queue.
start_redis_on() {
  local persist=(--save '' --appendonly no)
  case "${TARGET_REDIS_APPENDONLY:-0}" in
    1) mkdir -p "$REDIS_DIR"; persist=(--save '' --appendonly yes --appendfsync always --dir "$REDIS_DIR") ;;
    0) ;;
    *) die "invalid TARGET_REDIS_APPENDONLY; reason: expected 0 or 1, got \"$TARGET_REDIS_APPENDONLY\"" ;;
  esac
  # Its own session: a disruptor that stops this script's process group does not stop the Redis it restarted.
  # Protected mode off, on 127.0.0.1 only: a run with --local-ips (127.0.1.x, the
  # default of make scale) dials Redis from those addresses, which protected mode
  # refuses; bound to 127.0.0.1, nothing off this machine can reach it anyway.
  setsid redis-server --port "$1" --bind 127.0.0.1 --protected-mode no "${persist[@]}" --daemonize no \
    --loglevel warning --logfile "$REDIS_LOG" </dev/null &
  echo "$!" >"$REDIS_PID_FILE"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Starts a redis-server unless REDIS_URL is set; exports REDIS_URL.
ensure_redis() {
  if [[ -n "${REDIS_URL:-}" ]]; then return 0; fi
  bash "$ROOT/tools/ensure-redis.sh" || die "redis-server not found and REDIS_URL is not set; install it: apt-get install -y redis-server (or set REDIS_URL)"
  local port pid i
  port="$(free_port)"
  # A fresh data directory: an append-only file of an earlier run must not come back.
  rm -rf "$REDIS_DIR"
  start_redis_on "$port"
  pid="$(cat "$REDIS_PID_FILE")"
  for (( i = 0; i < 100; i++ )); do
    port_open "$port" && break
    kill -0 "$pid" 2>/dev/null || { rm -f "$REDIS_PID_FILE"; tail -n 20 "$REDIS_LOG" >&2 || true; die "redis-server exited at start (log: $REDIS_LOG)"; }
    sleep 0.1
  done
  port_open "$port" || { stop_redis; die "redis-server did not accept connections on port $port within 10 s (log: $REDIS_LOG)"; }
  export REDIS_URL="redis://127.0.0.1:$port"
  say "started redis-server (pid $pid) at $REDIS_URL"
}

check_port_free() {
  local port
  for port in $(room_ports); do
    if port_open "$port"; then
      if (( TARGET_PROCESSES > 1 )); then
        die "port $port is already in use on 127.0.0.1 ($TARGET_PROCESSES processes need ports $TARGET_PORT to $(( TARGET_PORT + TARGET_PROCESSES ))); stop what holds it or choose another TARGET_PORT"
      fi
      die "port $TARGET_PORT is already in use on 127.0.0.1; stop what holds it or choose another port, e.g. TARGET_PORT=3002 $0 ${1:-up}"
    fi
  done
}

# All healthy: main.ts wrote the pid list (every process answered) and each port says 200.
room_healthy() {
  local port
  [[ -s "$TARGET_PIDS_FILE" ]] || return 1
  for port in $(room_ports); do [[ "$(health_status "$port")" == *" 200"* ]] || return 1; done
}

# KEY=VALUE lines for target.env (no spaces in values: the file is sourced by shells).
room_env() {
  local urls='' i pids
  if (( TARGET_PROCESSES > 1 )); then
    for (( i = 0; i < TARGET_PROCESSES; i++ )); do urls+="${urls:+,}http://127.0.0.1:$(( TARGET_PORT + 1 + i ))"; done
  else
    urls="http://127.0.0.1:$TARGET_PORT"
  fi
  pids="$(paste -sd, "$TARGET_PIDS_FILE")"
  echo "API_URL=http://127.0.0.1:$TARGET_PORT"
  echo "REDIS_URL=$REDIS_URL"
  echo "TARGET_PROCESSES=$TARGET_PROCESSES"
  echo "TARGET_PROCESS_URLS=$urls"
  echo "TARGET_PIDS=$pids"
  # Each process's /metrics, named (room, or room0, room1, ...): the run's SERVER_METRICS_URLS under make.
  local metrics="" u k=0
  local -a each
  IFS=, read -ra each <<<"$urls"
  for u in "${each[@]}"; do
    if (( TARGET_PROCESSES > 1 )); then metrics+="${metrics:+,}room$k=$u/metrics"; else metrics="room=$u/metrics"; fi
    k=$(( k + 1 ))
  done
  echo "TARGET_METRICS_URLS=$metrics"
}

cmd_up() {
  mkdir -p "$RUN_DIR"
  local pid
  if pid="$(live_pid "$TARGET_PID_FILE" reference-room/main.ts)"; then
    say "already running (pid $pid); '$0 down' stops it"
    [[ -f "$ENV_FILE" ]] && cat "$ENV_FILE"
    return 0
  fi
  check_port_free up
  ensure_redis
  rm -f "$TARGET_PIDS_FILE"
  export TARGET_PORT TARGET_PROCESSES REDIS_URL TARGET_PROCESSOR_PHASE TARGET_PIDS_FILE
  # A disruption (disrupt process|all) needs a supervisor that starts a killed process again.
  [[ -n "${TARGET_RESPAWN:-}" ]] && export TARGET_RESPAWN
  (cd "$ROOT" && exec node --import tsx reference-room/main.ts) >"$TARGET_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$TARGET_PID_FILE"

  local deadline=$(( SECONDS + HEALTH_TIMEOUT_S )) status='no answer' healthy=0
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then status='it exited'; break; fi
    if room_healthy; then healthy=1; break; fi
    sleep 0.2
  done
  if (( healthy == 0 )); then
    say "the target did not become healthy within ${HEALTH_TIMEOUT_S} s ($status); last lines of $TARGET_LOG:"
    tail -n 30 "$TARGET_LOG" >&2 || true
    stop_target
    stop_redis
    exit 1
  fi
  room_env >"$ENV_FILE"
  cat "$ENV_FILE"
}

cmd_down() {
  stop_target
  stop_redis
}

RUN_PID=''

# Waits (at most DISRUPT_RECOVER_S, 60) until every room process in the pid file is alive, the
# ones in "$@" (indexes) have new pids, and every port answers /health.
wait_respawned() {
  local before=("${OLD_PIDS[@]}") deadline=$(( SECONDS + ${DISRUPT_RECOVER_S:-60} )) idx now ok
  while (( SECONDS < deadline )); do
    ok=1
    mapfile -t now <"$TARGET_PIDS_FILE" 2>/dev/null || ok=0
    for idx in "$@"; do
      [[ "${now[idx + 1]:-}" =~ ^[0-9]+$ && "${now[idx + 1]}" != "${before[idx + 1]}" ]] && kill -0 "${now[idx + 1]}" 2>/dev/null || ok=0
    done
    if (( ok == 1 )) && room_healthy; then return 0; fi
    sleep 0.1
  done
  return 1
}

cmd_disrupt() {
  local what="${1:-}" started victims=() idx pid
  case "$what" in process|all|redis) ;; *)
    die "invalid DISRUPT; reason: expected process, all or redis, got \"$what\"" ;;
  esac
  [[ -f "$ENV_FILE" ]] || die "no running target ($ENV_FILE is missing): start it with '$0 up' first"
  started=$(date +%s%3N)
  if [[ "$what" == redis ]]; then
    pid="$(live_pid "$REDIS_PID_FILE" redis-server)" || die "DISRUPT=redis restarts the redis-server this script started, and there is none (REDIS_URL was given?)"
    local url port i
    url="$(grep '^REDIS_URL=' "$ENV_FILE" | cut -d= -f2-)"
    port="${url##*:}"
    kill -KILL "$pid" 2>/dev/null || true
    for (( i = 0; i < 100; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    start_redis_on "$port"
    for (( i = 0; i < 100; i++ )); do port_open "$port" && break; sleep 0.1; done
    port_open "$port" || die "redis-server did not come back on port $port within 10 s (log: $REDIS_LOG)"
    say "disrupted: redis-server (pid $pid) killed with SIGKILL and started again on port $port (pid $(cat "$REDIS_PID_FILE"), $([[ "${TARGET_REDIS_APPENDONLY:-0}" == 1 ]] && echo 'append-only file kept' || echo 'no persistence: its data is gone')) in $(( $(date +%s%3N) - started )) ms"
    return 0
  fi
  mapfile -t OLD_PIDS <"$TARGET_PIDS_FILE"
  (( ${#OLD_PIDS[@]} >= 2 )) || die "the room runs without a supervisor, so a killed process would not come back: start it with TARGET_RESPAWN=1"
  local n=$(( ${#OLD_PIDS[@]} - 1 ))
  if [[ "$what" == process ]]; then
    idx="${DISRUPT_PROCESS:-0}"
    [[ "$idx" =~ ^[0-9]+$ ]] && (( idx < n )) || die "invalid DISRUPT_PROCESS; reason: expected a room process index from 0 to $(( n - 1 )), got \"$idx\""
    victims=("$idx")
  else
    for (( idx = 0; idx < n; idx++ )); do victims+=("$idx"); done
  fi
  for idx in "${victims[@]}"; do kill -KILL "${OLD_PIDS[idx + 1]}" 2>/dev/null || true; done
  if ! wait_respawned "${victims[@]}"; then
    die "room process(es) ${victims[*]} killed, and the room did not answer again within ${DISRUPT_RECOVER_S:-60} s (log: $TARGET_LOG)"
  fi
  say "disrupted: room process(es) ${victims[*]} of $n killed with SIGKILL and back (pids $(paste -sd, "$TARGET_PIDS_FILE")) in $(( $(date +%s%3N) - started )) ms"
}

cmd_run() {
  mkdir -p "$RUN_DIR"
  check_port_free run
  trap stop_redis EXIT
  ensure_redis
  export TARGET_PORT TARGET_PROCESSES REDIS_URL TARGET_PROCESSOR_PHASE
  # In the background so that this shell can forward SIGTERM / SIGINT to it and
  # still stop its redis afterwards.
  (cd "$ROOT" && exec node --import tsx reference-room/main.ts) </dev/null &
  RUN_PID=$!
  trap 'kill -TERM "$RUN_PID" 2>/dev/null || true' TERM INT HUP
  local rc=0
  while kill -0 "$RUN_PID" 2>/dev/null; do
    rc=0
    wait "$RUN_PID" || rc=$?
  done
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  run) cmd_run ;;
  disrupt) cmd_disrupt "${2:-}" ;;
  *) echo "usage: $0 up|down|run|disrupt process|all|redis" >&2; exit 2 ;;
esac
