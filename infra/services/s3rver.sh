#!/usr/bin/env bash
# Local S3-compatible server (s3rver) for development and tests:
# `s3rver.sh start|stop|status|restart [DATA_DIR]`. Port from S3RVER_PORT (or PORT), default
# 4568; 0 lets the server pick a free one. Bucket `arcade` exists; credentials S3RVER/S3RVER,
# region us-east-1, path-style addressing.
set -euo pipefail
SVC_NAME=s3rver
SVC_PORT_VAR=S3RVER_PORT
SVC_DEFAULT_PORT=4568
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
svc_parse_args "$@"

BUCKET="${S3RVER_BUCKET:-arcade}"
PID_FILE="$SVC_DIR/s3rver.pid"
PORT_FILE="$SVC_DIR/port"
LOG_FILE="$SVC_DIR/s3rver.log"
# Objects go one level down: s3rver treats every entry of its directory as a bucket.
OBJECTS="$SVC_DIR/data"

# s3rver is a dev dependency of the test and storage packages, not of the root.
find_cli() {
  local dir
  for dir in "$ARCADE_ROOT/node_modules/s3rver" "$ARCADE_ROOT/test/node_modules/s3rver" \
    "$ARCADE_ROOT/packages/storage/node_modules/s3rver"; do
    if [ -f "$dir/bin/s3rver.js" ]; then
      printf '%s' "$dir/bin/s3rver.js"
      return 0
    fi
  done
  svc_die "s3rver is not installed in node_modules. Run: bash infra/scripts/setup.sh"
}

running_pid() {
  local pid
  pid="$(svc_read_pid "$PID_FILE")"
  if svc_pid_is "$pid" s3rver.js; then printf '%s' "$pid"; fi
}

publish() {
  local port="$1"
  svc_write_env \
    "S3_ENDPOINT=http://127.0.0.1:$port" \
    "S3_BUCKET=$BUCKET" \
    "S3_REGION=us-east-1" \
    "S3_ACCESS_KEY_ID=S3RVER" \
    "S3_SECRET_ACCESS_KEY=S3RVER" \
    "S3_FORCE_PATH_STYLE=true"
  svc_log "running on http://127.0.0.1:$port bucket $BUCKET (pid $(running_pid), data $SVC_DIR)"
}

# The port the server announced in its log ("S3rver listening on 127.0.0.1:PORT").
announced_port() {
  sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG_FILE" 2>/dev/null | tail -n 1
}

start() {
  local cli pid port
  cli="$(find_cli)"
  if [ -n "$(running_pid)" ]; then
    publish "$(cat "$PORT_FILE")"
    return 0
  fi
  mkdir -p "$OBJECTS"
  if [ "$SVC_PORT" = 0 ]; then svc_log "starting on a free port"; else svc_log "starting on 127.0.0.1:$SVC_PORT"; fi
  # node directly (not npx): the pid we record must be the server itself.
  # --openssl-legacy-provider: s3rver signs ListObjectsV2 continuation tokens with DES,
  # which OpenSSL 3 refuses; without it any listing past one page is a 500.
  setsid node --openssl-legacy-provider "$cli" -d "$OBJECTS" -a 127.0.0.1 -p "$SVC_PORT" --silent \
    --configure-bucket "$BUCKET" </dev/null >"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    if ! svc_pid_alive "$pid"; then
      svc_show_log_tail "$LOG_FILE"
      svc_die "s3rver exited during start (is port $SVC_PORT taken? set S3RVER_PORT=0 for a free one)"
    fi
    port="$(announced_port)"
    if [ -n "$port" ] && svc_port_open "$port"; then
      printf '%s\n' "$port" >"$PORT_FILE"
      publish "$port"
      return 0
    fi
    sleep 0.1
  done
  svc_kill_pid "$pid" 5
  svc_show_log_tail "$LOG_FILE"
  svc_die "s3rver did not answer within 30 s"
}

stop() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    svc_log "not running"
    rm -f "$PID_FILE" "$SVC_ENV_FILE"
    return 0
  fi
  svc_kill_pid "$pid" 10
  rm -f "$PID_FILE" "$SVC_ENV_FILE"
  svc_log "stopped (pid $pid)"
}

address() { printf '%s' "http://127.0.0.1:$(cat "$PORT_FILE") bucket $BUCKET"; }

svc_dispatch
