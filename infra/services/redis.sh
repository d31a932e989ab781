#!/usr/bin/env bash
# Local Redis for development and tests: `redis.sh start|stop|status|restart [DATA_DIR]`.
# Port from REDIS_PORT (or PORT), default 6390; 0 picks a free one.
#
# Never open to anyone: the `default` user has a password nobody knows and every client logs in
# as one of three ACL users, with passwords generated on the first start into DATA_DIR/passwords
# (mode 600):
#   arcade-api     API processes (each also a runtime node): the queue (enqueue, read job
#                  state), the node registry (its heartbeat), the rate-limit counters,
#                  SUBSCRIBE on the plugin-events channel (no PUBLISH: the workers publish),
#                  the node-acks stream write-only (its acknowledgements), the job-events:*
#                  streams read-only (GET /jobs/{id}/events, ?wait), and CLIENT UNBLOCK (wakes
#                  its own blocked stream read when a new follower joins);
#   arcade-worker  worker processes: the queue and the update-check keys, PUBLISH on the
#                  plugin-events channel (no SUBSCRIBE), the registry read-only (the index
#                  may be pruned: it lists who to wait for), the node-acks stream read-only
#                  (convergence), the job-events:* streams (it appends the live job events),
#                  and CLIENT UNBLOCK (as the API);
#   arcade-admin   everything: these scripts, and the test suites' own clients.
# Keys and channels are limited to REDIS_KEY_PREFIX (default "arcade", a glob: "arcade*" so the
# test suites' "arcade-e2e-<id>" prefixes match too); @dangerous commands (CONFIG, KEYS, FLUSHALL,
# DEBUG, MONITOR, ...) are refused except INFO and CLIENT SETNAME/GETNAME/ID, which the clients
# send on connect, and CLIENT UNBLOCK (above). The env file holds REDIS_URL (admin), REDIS_API_URL and REDIS_WORKER_URL.
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
PASSWORDS="$SVC_DIR/passwords"
ACL_FILE="$SVC_DIR/users.acl"
KEY_GLOB="${REDIS_KEY_PREFIX:-arcade}*"

running_pid() {
  local pid
  pid="$(svc_read_pid "$PID_FILE")"
  if svc_pid_is "$pid" redis-server; then printf '%s' "$pid"; fi
}

# redis-cli as the admin user; the password goes through the environment, never argv.
cli() {
  local port="$1"
  shift
  REDISCLI_AUTH="$ADMIN_PASSWORD" redis-cli --no-auth-warning --user arcade-admin -h 127.0.0.1 -p "$port" "$@"
}

ping_ok() { [ "$(cli "$1" ping 2>/dev/null)" = PONG ]; }

# The server on PORT is the one whose pid is PID (and not someone else's on the same port).
serves_port() {
  local port="$1" pid="$2"
  [ -n "$pid" ] || return 1
  cli "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

# Passwords: generated once (letters and digits, so they go into URLs as they are), kept 0600.
ensure_passwords() {
  if [ ! -s "$PASSWORDS" ]; then
    (
      umask 077
      for who in ADMIN API WORKER; do
        printf '%s_PASSWORD=%s\n' "$who" "$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
      done >"$PASSWORDS.tmp"
      mv -f "$PASSWORDS.tmp" "$PASSWORDS"
    )
  fi
  chmod 600 "$PASSWORDS"
  # shellcheck disable=SC1090
  . "$PASSWORDS"
}

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# The ACL file, rewritten on every start from the passwords (so a change of rules applies).
# Redis stores only the SHA-256 of each password (#...).
write_acl() {
  local k="~${KEY_GLOB}" c="&${KEY_GLOB}"
  local base="-@all +@read +@write +@keyspace +@string +@list +@hash +@set +@sortedset +@stream +@scripting +@transaction +@connection +@pubsub +@fast +@slow +@blocking -@dangerous +info +client|setname +client|getname +client|id"
  (
    umask 077
    {
      # Not `off`: Redis 7.0 replays the append-only file as `default` and checks each command
      # inside MULTI against its rights, so a disabled default user loses every transaction (all
      # of BullMQ's) on a restart. It gets every right and a password made up here and never
      # written down: no client can log in as it, and an unauthenticated client gets NOAUTH.
      echo "user default on #$(sha "$(head -c 32 /dev/urandom | base64)") ~* &* +@all"
      echo "user arcade-admin on #$(sha "$ADMIN_PASSWORD") ~* &* +@all"
      echo "user arcade-api on #$(sha "$API_PASSWORD") resetchannels ${k}:plugin-ops:* ${k}:nodes:* ${k}:node-index ${k}:rl:* %W${k}:node-acks %R${k}:job-events:* ${c}:plugin-events $base -publish +client|unblock"
      echo "user arcade-worker on #$(sha "$WORKER_PASSWORD") resetchannels ${k}:plugin-ops:* ${k}:plugin-update-check:* %R${k}:nodes:* ${k}:node-index %R${k}:node-acks ${k}:job-events:* ${c}:plugin-events $base -subscribe -psubscribe -ssubscribe +client|unblock"
    } >"$ACL_FILE.tmp"
    mv -f "$ACL_FILE.tmp" "$ACL_FILE"
  )
}

# After a launch that worked (svc_start_on_port).
started() { publish "$1"; }

publish() {
  local port="$1"
  svc_write_env \
    "REDIS_URL=redis://arcade-admin:$ADMIN_PASSWORD@127.0.0.1:$port" \
    "REDIS_API_URL=redis://arcade-api:$API_PASSWORD@127.0.0.1:$port" \
    "REDIS_WORKER_URL=redis://arcade-worker:$WORKER_PASSWORD@127.0.0.1:$port" \
    "REDIS_PORT=$port"
  chmod 600 "$SVC_ENV_FILE"
  svc_log "running on redis://127.0.0.1:$port with ACL users arcade-admin, arcade-api, arcade-worker (pid $(running_pid), data $SVC_DIR; passwords in $PASSWORDS)"
}

# One launch on one port; 0 = answered, 1 = the server died or never answered.
# Not --daemonize: backgrounding it ourselves gives us its pid at once, so a failed bind
# (port taken) is seen in milliseconds instead of after a timeout.
launch() {
  local port="$1" pid
  setsid redis-server --port "$port" --bind 127.0.0.1 --daemonize no --dir "$SVC_DIR" \
    --pidfile "$PID_FILE" --logfile "$LOG_FILE" --appendonly yes --aclfile "$ACL_FILE" \
    </dev/null >/dev/null 2>&1 &
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
  ensure_passwords
  if [ -n "$(running_pid)" ]; then
    local running_port
    running_port="$(cat "$PORT_FILE")"
    if ping_ok "$running_port"; then
      publish "$running_port"
    else
      # Started by an older version of this script, without users: say so, keep it usable.
      svc_write_env "REDIS_URL=redis://127.0.0.1:$running_port" "REDIS_API_URL=redis://127.0.0.1:$running_port" \
        "REDIS_WORKER_URL=redis://127.0.0.1:$running_port" "REDIS_PORT=$running_port"
      svc_log "warning: the Redis running on port $running_port has no passwords (started by an older script); restart it: $0 restart $SVC_DIR"
    fi
    return 0
  fi
  write_acl
  svc_start_on_port "$LOG_FILE" redis-server REDIS_PORT
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
  if [ -n "$port" ] && [ -s "$PASSWORDS" ]; then
    # shellcheck disable=SC1090
    . "$PASSWORDS"
    # nosave: the append-only file already holds every write; an RDB dump would only slow the stop.
    cli "$port" shutdown nosave >/dev/null 2>&1 || true
    svc_wait 10 svc_pid_gone "$pid" || true
  fi
  svc_kill_pid "$pid" 10
  rm -f "$PID_FILE" "$SVC_ENV_FILE"
  svc_log "stopped (pid $pid)"
}

address() { printf '%s' "redis://127.0.0.1:$(cat "$PORT_FILE")"; }

svc_dispatch
