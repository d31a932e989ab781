#!/usr/bin/env bash
# Local MariaDB for development and tests: `mariadb.sh start|stop|status|restart [DATA_DIR]`.
# Port from MARIADB_PORT (or PORT), default 3307; 0 picks a free one.
# Nobody gets in without a password (docs/threat-model.md):
#   root           only over the socket, with a password generated into DATA_DIR/root.cnf (0600);
#                  the root accounts for TCP (127.0.0.1, ::1, the host name) are dropped;
#   arcade         the API and worker processes: data and schema rights on database `arcade`
#                  (migrations run at start) and on `arcade_*` (the test suites' own databases);
#   arcade_reader  SELECT only, on the same: for a process that only reads the desired state
#                  (a runtime node without the API; none ships today) and for tooling.
# Passwords are generated on the first start into DATA_DIR/passwords (0600). The env file holds
# MYSQL_URL (arcade) and MYSQL_READER_URL (arcade_reader).
set -euo pipefail
SVC_NAME=mariadb
SVC_PORT_VAR=MARIADB_PORT
SVC_DEFAULT_PORT=3307
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
svc_parse_args "$@"

DATA="$SVC_DIR/data"
PID_FILE="$SVC_DIR/mysqld.pid"
PORT_FILE="$SVC_DIR/port"
ERR_LOG="$SVC_DIR/err.log"
ROOT_CNF="$SVC_DIR/root.cnf"
PASSWORDS="$SVC_DIR/passwords"
SOCKET="$SVC_DIR/mysqld.sock"
# A unix socket path may not exceed 107 bytes; a deep checkout would break the server.
if [ "${#SOCKET}" -gt 100 ]; then
  SOCKET="/tmp/arcade-mariadb-$(printf '%s' "$SVC_DIR" | cksum | cut -d' ' -f1).sock"
fi

# As root the server insists on being told to stay root; as anyone else the flag is an error.
USER_ARGS=()
if [ "$(id -u)" = 0 ]; then USER_ARGS=(--user=root); fi

running_pid() {
  local pid
  pid="$(svc_read_pid "$PID_FILE")"
  if svc_pid_is "$pid" mariadbd; then printf '%s' "$pid"; fi
}

# root's client options, password included (never on a command line); written before first use.
write_root_cnf() {
  (
    umask 077
    printf '[client]\nuser=root\nsocket=%s\n' "$SOCKET" >"$ROOT_CNF.tmp"
    if [ -n "${1:-}" ]; then printf 'password=%s\n' "$1" >>"$ROOT_CNF.tmp"; fi
    mv -f "$ROOT_CNF.tmp" "$ROOT_CNF"
  )
}
root_cnf() {
  # A data folder of an older version of this script has no root.cnf: root has no password yet.
  [ -f "$ROOT_CNF" ] || write_root_cnf ""
  # The socket may have moved (a deeper checkout): keep the file's line in step.
  grep -qx "socket=$SOCKET" "$ROOT_CNF" || sed -i "s|^socket=.*|socket=$SOCKET|" "$ROOT_CNF"
}
admin() { root_cnf && mariadb-admin --defaults-file="$ROOT_CNF" "$@"; }
sql() { root_cnf && mariadb --defaults-file="$ROOT_CNF" --batch "$@"; }

new_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

ensure_passwords() {
  if [ ! -s "$PASSWORDS" ]; then
    (
      umask 077
      printf 'ROOT_PASSWORD=%s\nARCADE_PASSWORD=%s\nREADER_PASSWORD=%s\n' \
        "$(new_password)" "$(new_password)" "$(new_password)" >"$PASSWORDS.tmp"
      mv -f "$PASSWORDS.tmp" "$PASSWORDS"
    )
  fi
  chmod 600 "$PASSWORDS"
  # shellcheck disable=SC1090
  . "$PASSWORDS"
}

# The server behind our socket is answering and it is the pid we launched.
serves() {
  local pid="$1"
  admin ping >/dev/null 2>&1 || return 1
  [ "$(sql -N -e 'SELECT @@pid_file' 2>/dev/null)" = "$PID_FILE" ] && svc_pid_alive "$pid"
}

# After a launch that worked (svc_start_on_port).
started() {
  bootstrap_sql || svc_die "could not create the arcade database and user (see $ERR_LOG)"
  publish "$1"
}

publish() {
  local port="$1"
  svc_write_env \
    "MYSQL_URL=mysql://arcade:$ARCADE_PASSWORD@127.0.0.1:$port/arcade" \
    "MYSQL_READER_URL=mysql://arcade_reader:$READER_PASSWORD@127.0.0.1:$port/arcade" \
    "MYSQL_PORT=$port" \
    "MYSQL_SOCKET=$SOCKET"
  chmod 600 "$SVC_ENV_FILE"
  svc_log "running on mysql://127.0.0.1:$port/arcade, users arcade and arcade_reader (pid $(running_pid), data $SVC_DIR; passwords in $PASSWORDS)"
}

init_datadir() {
  # The marker is written last, so a half-finished initialisation is redone, not trusted.
  [ -f "$DATA/.arcade-initialized" ] && return 0
  rm -rf "$DATA"
  # The new data folder's root has no password yet.
  rm -f "$ROOT_CNF"
  mkdir -p "$DATA"
  svc_log "initialising a new data folder in $DATA (first start only)"
  if ! mariadb-install-db --no-defaults --datadir="$DATA" "${USER_ARGS[@]}" \
    --auth-root-authentication-method=normal --skip-test-db >"$SVC_DIR/install.log" 2>&1; then
    svc_show_log_tail "$SVC_DIR/install.log"
    svc_die "mariadb-install-db failed (full log: $SVC_DIR/install.log)"
  fi
  touch "$DATA/.arcade-initialized"
}

# One launch on one port; 0 = answered, 1 = the server died or never answered.
launch() {
  local port="$1" pid
  : >"$ERR_LOG"
  # Sized for a laptop and a test run, not for production: small buffer pool and redo log,
  # no binary log, and no native AIO (containers often run out of AIO contexts).
  setsid mariadbd --no-defaults --datadir="$DATA" --port="$port" --bind-address=127.0.0.1 \
    --socket="$SOCKET" --pid-file="$PID_FILE" "${USER_ARGS[@]}" --skip-name-resolve \
    --log-error="$ERR_LOG" --skip-log-bin --innodb-buffer-pool-size=64M \
    --innodb-log-file-size=16M --innodb-log-buffer-size=4M --innodb-use-native-aio=0 \
    --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >>"$SVC_DIR/mariadbd.out" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    svc_pid_alive "$pid" || return 1
    if serves "$pid" && svc_port_open "$port"; then
      printf '%s\n' "$port" >"$PORT_FILE"
      return 0
    fi
    sleep 0.1
  done
  svc_kill_pid "$pid" 20
  return 1
}

bootstrap_sql() {
  # Root first: a fresh (or older) data folder has a root without password; give it one.
  if ! grep -q '^password=' "$ROOT_CNF" 2>/dev/null; then
    sql -e "ALTER USER 'root'@'localhost' IDENTIFIED BY '$ROOT_PASSWORD'" || return 1
    write_root_cnf "$ROOT_PASSWORD"
  fi
  # `arcade\_%` (escaped underscore) matches every database named arcade_<something>:
  # test suites create their own arcade_<suite> databases beside the main one. The rights are
  # what the platform uses (data, and schema for its migrations), not ALL (no GRANT, FILE, ...).
  local rights="SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES"
  sql <<SQL
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@'$(hostname)', ''@'localhost', ''@'$(hostname)';
CREATE DATABASE IF NOT EXISTS \`arcade\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'arcade'@'127.0.0.1' IDENTIFIED BY '$ARCADE_PASSWORD';
CREATE USER IF NOT EXISTS 'arcade'@'localhost' IDENTIFIED BY '$ARCADE_PASSWORD';
ALTER USER 'arcade'@'127.0.0.1' IDENTIFIED BY '$ARCADE_PASSWORD', 'arcade'@'localhost' IDENTIFIED BY '$ARCADE_PASSWORD';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'arcade'@'127.0.0.1', 'arcade'@'localhost';
GRANT $rights ON \`arcade\`.* TO 'arcade'@'127.0.0.1', 'arcade'@'localhost';
GRANT $rights ON \`arcade\\_%\`.* TO 'arcade'@'127.0.0.1', 'arcade'@'localhost';
CREATE USER IF NOT EXISTS 'arcade_reader'@'127.0.0.1' IDENTIFIED BY '$READER_PASSWORD';
CREATE USER IF NOT EXISTS 'arcade_reader'@'localhost' IDENTIFIED BY '$READER_PASSWORD';
ALTER USER 'arcade_reader'@'127.0.0.1' IDENTIFIED BY '$READER_PASSWORD', 'arcade_reader'@'localhost' IDENTIFIED BY '$READER_PASSWORD';
GRANT SELECT ON \`arcade\`.* TO 'arcade_reader'@'127.0.0.1', 'arcade_reader'@'localhost';
GRANT SELECT ON \`arcade\\_%\`.* TO 'arcade_reader'@'127.0.0.1', 'arcade_reader'@'localhost';
FLUSH PRIVILEGES;
SQL
}

start() {
  local hint="Run: bash infra/scripts/setup.sh"
  svc_require mariadbd "$hint"
  svc_require mariadb-install-db "$hint"
  svc_require mariadb-admin "$hint"
  svc_require mariadb "$hint"
  ensure_passwords
  if [ -n "$(running_pid)" ]; then
    publish "$(cat "$PORT_FILE")"
    return 0
  fi
  init_datadir
  svc_start_on_port "$ERR_LOG" mariadbd MARIADB_PORT
}

stop() {
  local pid
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    svc_log "not running"
    rm -f "$PID_FILE" "$SVC_ENV_FILE"
    return 0
  fi
  timeout 30 mariadb-admin --defaults-file="$ROOT_CNF" shutdown >/dev/null 2>&1 || true
  svc_wait 30 svc_pid_gone "$pid" || true
  svc_kill_pid "$pid" 20
  rm -f "$PID_FILE" "$SVC_ENV_FILE"
  svc_log "stopped (pid $pid)"
}

address() { printf '%s' "mysql://127.0.0.1:$(cat "$PORT_FILE")/arcade"; }

svc_dispatch
