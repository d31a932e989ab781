#!/usr/bin/env bash
# Local S3 server that enforces IAM (moto, from the machine's Python) for the object-store
# reader tests: `moto.sh start|stop|status|restart [DATA_DIR]`. Port from MOTO_PORT (or PORT),
# default 4569; 0 picks a free one. s3rver has one fixed key and no policies; moto checks every
# request against the caller's IAM policies, so a read-only key can be shown to be refused.
#
# On each start (moto keeps everything in memory) moto/setup-users.py makes the bucket `arcade`
# and two users: arcade-writer (s3:* on the bucket) and arcade-reader (s3:GetObject and
# s3:ListBucket only). The env file holds MOTO_ENDPOINT, MOTO_BUCKET and both users' keys (0600).
# Needs python3 with moto and flask (`python3 -c "import moto, flask"`); nothing is installed here.
set -euo pipefail
SVC_NAME=moto
SVC_PORT_VAR=MOTO_PORT
SVC_DEFAULT_PORT=4569
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
svc_parse_args "$@"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUCKET="${MOTO_BUCKET:-arcade}"
PID_FILE="$SVC_DIR/moto.pid"
PORT_FILE="$SVC_DIR/port"
LOG_FILE="$SVC_DIR/moto.log"
KEYS_FILE="$SVC_DIR/keys.env"
PYTHON="${MOTO_PYTHON:-python3}"

running_pid() {
  local pid
  pid="$(svc_read_pid "$PID_FILE")"
  if svc_pid_is "$pid" moto/serve.py; then printf '%s' "$pid"; fi
}

# How many requests setup-users.py makes before IAM is enforced (one definition: in that file).
setup_requests() { sed -n 's/^SETUP_REQUESTS = \([0-9][0-9]*\)$/\1/p' "$HERE/moto/setup-users.py"; }

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/data.json" 2>/dev/null; }

# After a launch that worked (svc_start_on_port).
started() { publish "$1"; }

publish() {
  local port="$1"
  (
    umask 077
    {
      printf '%s\n' "MOTO_ENDPOINT=http://127.0.0.1:$port" "MOTO_BUCKET=$BUCKET" "MOTO_REGION=us-east-1"
      cat "$KEYS_FILE"
    } >"$SVC_ENV_FILE.tmp.$$"
    mv -f "$SVC_ENV_FILE.tmp.$$" "$SVC_ENV_FILE"
  )
  svc_log "running on http://127.0.0.1:$port bucket $BUCKET, users arcade-writer and arcade-reader (pid $(running_pid), data $SVC_DIR)"
}

# One launch on one port; 0 = answered and set up, 1 = died, never answered or setup failed.
launch() {
  local port="$1" pid count
  count="$(setup_requests)"
  [ -n "$count" ] || svc_die "SETUP_REQUESTS not found in $HERE/moto/setup-users.py"
  INITIAL_NO_AUTH_ACTION_COUNT="$count" MOTO_PORT="$port" setsid "$PYTHON" "$HERE/moto/serve.py" -H 127.0.0.1 -p "$port" \
    </dev/null >"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    svc_pid_alive "$pid" || return 1
    if answers "$port"; then
      printf '%s\n' "$port" >"$PORT_FILE"
      if (umask 077 && "$PYTHON" "$HERE/moto/setup-users.py" "http://127.0.0.1:$port" "$BUCKET" >"$KEYS_FILE.tmp"); then
        mv -f "$KEYS_FILE.tmp" "$KEYS_FILE"
        return 0
      fi
      rm -f "$KEYS_FILE.tmp"
      svc_kill_pid "$pid" 5
      return 1
    fi
    sleep 0.2
  done
  svc_kill_pid "$pid" 5
  return 1
}

start() {
  svc_require "$PYTHON" "moto.sh needs python3 with the moto and flask modules."
  svc_require curl "moto.sh polls the server with curl."
  local missing
  if ! missing="$("$PYTHON" -c 'import moto, flask, boto3' 2>&1)"; then
    svc_die "python3 cannot import moto, flask and boto3 (${missing##*$'\n'}): this machine's Python lacks them"
  fi
  if [ -n "$(running_pid)" ] && [ -s "$KEYS_FILE" ]; then
    publish "$(cat "$PORT_FILE")"
    return 0
  fi
  # A key file from an earlier server is no use: moto keeps its users in memory.
  rm -f "$SVC_ENV_FILE" "$KEYS_FILE"
  svc_start_on_port "$LOG_FILE" moto MOTO_PORT
}

stop() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    svc_log "not running"
    rm -f "$PID_FILE" "$SVC_ENV_FILE" "$KEYS_FILE"
    return 0
  fi
  svc_kill_pid "$pid" 10
  rm -f "$PID_FILE" "$SVC_ENV_FILE" "$KEYS_FILE"
  svc_log "stopped (pid $pid)"
}

address() { printf '%s' "http://127.0.0.1:$(cat "$PORT_FILE") bucket $BUCKET"; }

svc_dispatch
