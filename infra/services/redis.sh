#!/usr/bin/env bash
# Local Redis for development and tests: `redis.sh start|stop|status|restart [DATA_DIR]`.
# Port from REDIS_PORT (or PORT), default 6390; 0 picks a free one.
set -euo pipefail
SVC_NAME=redis
SVC_PORT_VAR=REDIS_PORT
SVC_DEFAULT_PORT=6390
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
svc_parse_args "$@"

PID_FILE="$SVC_DIR/redis.pid"
PORT_FILE="$SVC_DIR/port"
LOG_FILE="$SVC_DIR/redis.log"

running_pid() {
  local pid
  pid="$(svc_read_pid "$PID_FILE")"
  if svc_pid_is "$pid" redis-server; then printf '%s' "$pid"; fi
}

ping_ok() { [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

# The server on PORT is the one whose pid is PID (and not someone else's on the same port).
serves_port() {
  local port="$1" pid="$2"
  [ -n "$pid" ] || return 1
  redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

publish() {
  local port="$1"
  svc_write_env "REDIS_URL=redis://127.0.0.1:$port" "REDIS_PORT=$port"
  svc_log "running on redis://127.0.0.1:$port (pid $(running_pid), data $SVC_DIR)"
}

# One launch on one port; 0 = answered, 1 = the server died or never answered.
# Not --daemonize: backgrounding it ourselves gives us its pid at once, so a failed bind
# (port taken) is seen in milliseconds instead of after a timeout.
launch() {
  local port="$1" pid
  setsid redis-server --port "$port" --bind 127.0.0.1 --daemonize no --dir "$SVC_DIR" \
    --pidfile "$PID_FILE" --logfile "$LOG_FILE" --appendonly yes </dev/null >/dev/null 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    svc_pid_alive "$pid" || return 1
    if ping_ok "$port" && serves_port "$port" "$pid"; then
      printf '%s\n' "$port" >"$PORT_FILE"
      return 0
    fi
    sleep 0.1
  done
  svc_kill_pid "$pid" 5
  return 1
}

start() {
  svc_require redis-server "Run: bash infra/scripts/setup.sh --services=redis"
  svc_require redis-cli "Run: bash infra/scripts/setup.sh --services=redis"
  if [ -n "$(running_pid)" ]; then
    publish "$(cat "$PORT_FILE")"
    return 0
  fi
  local attempt port
  for attempt in 1 2 3 4 5; do
    port="$SVC_PORT"
    [ "$port" != 0 ] || port="$(svc_free_port)"
    svc_log "starting on 127.0.0.1:$port"
    if launch "$port"; then
      publish "$port"
      return 0
    fi
    # Only a port we picked ourselves may be swapped for another one.
    [ "$SVC_PORT" = 0 ] || break
    svc_log "attempt $attempt failed; trying another port"
  done
  svc_show_log_tail "$LOG_FILE"
  svc_die "redis-server did not start on port $port (is the port taken? set REDIS_PORT=0 for a free one)"
}

stop() {
  local pid port
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    svc_log "not running"
    rm -f "$PID_FILE" "$SVC_ENV_FILE"
    return 0
  fi
  port="$(cat "$PORT_FILE" 2>/dev/null || true)"
  if [ -n "$port" ]; then
    # nosave: the append-only file already holds every write; an RDB dump would only slow the stop.
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    svc_wait 10 svc_pid_gone "$pid" || true
  fi
  svc_kill_pid "$pid" 10
  rm -f "$PID_FILE" "$SVC_ENV_FILE"
  svc_log "stopped (pid $pid)"
}

address() { printf '%s' "redis://127.0.0.1:$(cat "$PORT_FILE")"; }

svc_dispatch
