# Shared helpers for the local service scripts (sourced, never run).
# Every server is started in the background with a pid file in its data folder and is
# stopped by that pid only: other people's servers on this machine are never touched.

ARCADE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# mariadbd and friends live in /usr/sbin, which is not on a normal user's PATH on Debian.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

svc_log() { printf '[%s] %s\n' "$SVC_NAME" "$*"; }
svc_die() {
  printf '[%s] error: %s\n' "$SVC_NAME" "$*" >&2
  exit 1
}

svc_usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") start|stop|status|restart [DATA_DIR]
  DATA_DIR      default: \$DATA_DIR or $ARCADE_ROOT/.data/services/$SVC_NAME
  ${SVC_PORT_VAR}=N  loopback port (default $SVC_DEFAULT_PORT; 0 = pick a free one). PORT=N works too.
Writes DATA_DIR/../$SVC_NAME.env (KEY=value lines) once the server answers.
USAGE
  exit 2
}

# Resolves command line and environment into SVC_CMD, SVC_DIR, SVC_PORT, SVC_ENV_FILE.
svc_parse_args() {
  SVC_CMD="${1:-}"
  [ -n "$SVC_CMD" ] || svc_usage
  local dir="${2:-${DATA_DIR:-$ARCADE_ROOT/.data/services/$SVC_NAME}}"
  mkdir -p "$dir"
  SVC_DIR="$(cd "$dir" && pwd)"
  SVC_ENV_FILE="$(dirname "$SVC_DIR")/$SVC_NAME.env"
  local specific="${!SVC_PORT_VAR:-}"
  SVC_PORT="${specific:-${PORT:-$SVC_DEFAULT_PORT}}"
  case "$SVC_PORT" in
    '' | *[!0-9]*) svc_die "port must be a number, got '$SVC_PORT'" ;;
  esac
}

# A free loopback port, chosen by the kernel. Another process could take it before the
# server binds it, so callers retry with a new port when the bind fails.
svc_free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close();});'
}

svc_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Alive = exists and is not a zombie: an exited server that its new parent has not reaped yet
# still answers kill -0, and waiting for it to vanish would stall every stop.
svc_pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [ "$state" != Z ]
}

# True when PID is alive and its command line contains PATTERN: a stale pid file whose
# number now belongs to some other program must never lead us to signal that program.
svc_pid_is() {
  local pid="$1" pattern="$2"
  svc_pid_alive "$pid" || return 1
  [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern"
}

svc_read_pid() {
  [ -f "$1" ] || return 0
  local pid
  pid="$(tr -dc '0-9' <"$1")"
  printf '%s' "$pid"
}

# svc_wait SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
svc_wait() {
  local deadline=$((SECONDS + $1))
  shift
  while ((SECONDS < deadline)); do
    "$@" && return 0
    sleep 0.1
  done
  "$@"
}

# svc_kill_pid PID SECONDS: TERM, wait, then KILL. Only ever a single known pid.
svc_kill_pid() {
  local pid="$1" grace="${2:-10}"
  svc_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! svc_wait "$grace" svc_pid_gone "$pid"; then
    svc_log "pid $pid ignored SIGTERM for ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    svc_wait 5 svc_pid_gone "$pid" || true
  fi
}

svc_pid_gone() { ! svc_pid_alive "$1"; }

svc_show_log_tail() {
  local file="$1"
  [ -f "$file" ] || return 0
  printf '[%s] last lines of %s:\n' "$SVC_NAME" "$file" >&2
  tail -n 12 "$file" | sed 's/^/    /' >&2
}

# svc_start_on_port LOG WHAT PORT_VAR: runs the service's `launch PORT` on $SVC_PORT, or, when
# that is 0, on a free port (up to five: another process may take one first), then its
# `started PORT` (bootstrap and publish). Dies with the log's tail when no launch worked.
svc_start_on_port() {
  local log="$1" what="$2" port_var="$3" attempt port
  for attempt in 1 2 3 4 5; do
    port="$SVC_PORT"
    [ "$port" != 0 ] || port="$(svc_free_port)"
    svc_log "starting on 127.0.0.1:$port"
    if launch "$port"; then
      started "$port"
      return 0
    fi
    # Only a port we picked ourselves may be swapped for another one.
    [ "$SVC_PORT" = 0 ] || break
    svc_log "attempt $attempt failed; trying another port"
  done
  svc_show_log_tail "$log"
  svc_die "$what did not start on port $port (is the port taken? set $port_var=0 for a free one; full log: $log)"
}

# svc_write_env KEY=value...: the file callers source (`set -a; . file; set +a`).
svc_write_env() {
  local tmp="$SVC_ENV_FILE.tmp.$$"
  printf '%s\n' "$@" >"$tmp"
  mv -f "$tmp" "$SVC_ENV_FILE"
}

svc_require() {
  local cmd="$1" hint="$2"
  command -v "$cmd" >/dev/null 2>&1 || svc_die "'$cmd' not found. $hint"
}

# `status`: where the service runs (the script's `address` function says it), or exit 3.
svc_status() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    svc_log "not running"
    return 3
  fi
  svc_log "running on $(address) (pid $pid)"
}

# The subcommand of every service script, once its start/stop/address functions exist.
svc_dispatch() {
  case "$SVC_CMD" in
    start) start ;;
    stop) stop ;;
    status) svc_status ;;
    restart) stop && start ;;
    *) svc_usage ;;
  esac
}
