#!/usr/bin/env bash
# Redis, MariaDB, s3rver and moto together: `all.sh start|stop|status [DATA_ROOT]`.
# Each service gets DATA_ROOT/<name> (default <repo>/.data/services/<name>). Ports as in the
# single scripts (REDIS_PORT, MARIADB_PORT, S3RVER_PORT, MOTO_PORT; PORT=0 picks free ports for all).
# moto (an S3 server that enforces IAM, from the machine's Python) is optional: when it cannot
# start the others still run, and only the suite that needs it fails, saying why.
# After start, DATA_ROOT/arcade-test.env holds the ARCADE_TEST_* variables the integration
# tests read:  set -a; . .data/services/arcade-test.env; set +a
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVICES=(redis mariadb s3rver)
OPTIONAL_SERVICES=(moto)

cmd="${1:-}"
mkdir -p "${2:-${DATA_ROOT:-$ROOT/.data/services}}"
data_root="$(cd "${2:-${DATA_ROOT:-$ROOT/.data/services}}" && pwd)"
env_file="$data_root/arcade-test.env"
# The single scripts read DATA_DIR; ours is per service, so never pass the caller's along.
unset DATA_DIR

write_test_env() {
  local REDIS_URL REDIS_API_URL REDIS_WORKER_URL MYSQL_URL MYSQL_READER_URL S3_ENDPOINT S3_BUCKET
  # shellcheck disable=SC1090,SC1091
  . "$data_root/redis.env"
  # shellcheck disable=SC1090,SC1091
  . "$data_root/mariadb.env"
  # shellcheck disable=SC1090,SC1091
  . "$data_root/s3rver.env"
  local MOTO_ENDPOINT="" MOTO_BUCKET="" MOTO_WRITER_ACCESS_KEY_ID="" MOTO_WRITER_SECRET_ACCESS_KEY=""
  local MOTO_READER_ACCESS_KEY_ID="" MOTO_READER_SECRET_ACCESS_KEY="" MOTO_REGION=""
  # shellcheck disable=SC1090,SC1091
  [ ! -f "$data_root/moto.env" ] || . "$data_root/moto.env"
  mkdir -p "$data_root/scratch"
  # The suites' own clients log in as the admin users; the platforms they start log in as the
  # role users (API, worker), so every end-to-end run also checks those users' rights.
  (umask 077 && : >"$env_file")
  printf '%s\n' \
    "ARCADE_TEST_REDIS_URL=$REDIS_URL" \
    "ARCADE_TEST_REDIS_API_URL=$REDIS_API_URL" \
    "ARCADE_TEST_REDIS_WORKER_URL=$REDIS_WORKER_URL" \
    "ARCADE_TEST_MYSQL_URL=$MYSQL_URL" \
    "ARCADE_TEST_MYSQL_READER_URL=$MYSQL_READER_URL" \
    "ARCADE_TEST_S3_ENDPOINT=$S3_ENDPOINT" \
    "ARCADE_TEST_S3_BUCKET=$S3_BUCKET" \
    "ARCADE_TEST_MOTO_ENDPOINT=$MOTO_ENDPOINT" \
    "ARCADE_TEST_MOTO_BUCKET=$MOTO_BUCKET" \
    "ARCADE_TEST_MOTO_WRITER_ACCESS_KEY_ID=$MOTO_WRITER_ACCESS_KEY_ID" \
    "ARCADE_TEST_MOTO_WRITER_SECRET_ACCESS_KEY=$MOTO_WRITER_SECRET_ACCESS_KEY" \
    "ARCADE_TEST_MOTO_READER_ACCESS_KEY_ID=$MOTO_READER_ACCESS_KEY_ID" \
    "ARCADE_TEST_MOTO_READER_SECRET_ACCESS_KEY=$MOTO_READER_SECRET_ACCESS_KEY" \
    "ARCADE_TEST_DATA_DIR=$data_root/scratch" >"$env_file"
  echo "[all] test environment written to $env_file"
}

case "$cmd" in
  start)
    started=()
    for name in "${SERVICES[@]}"; do
      if ! bash "$HERE/$name.sh" start "$data_root/$name"; then
        echo "[all] $name failed to start; stopping the ones already started" >&2
        for done_name in "${started[@]}"; do bash "$HERE/$done_name.sh" stop "$data_root/$done_name" || true; done
        exit 1
      fi
      started+=("$name")
    done
    for name in "${OPTIONAL_SERVICES[@]}"; do
      bash "$HERE/$name.sh" start "$data_root/$name" ||
        echo "[all] warning: $name did not start; the suites that need it will fail and say why" >&2
    done
    write_test_env
    ;;
  stop)
    rc=0
    # Reverse order; keep going when one fails so nothing is left behind.
    for name in "${OPTIONAL_SERVICES[@]}"; do bash "$HERE/$name.sh" stop "$data_root/$name" || rc=1; done
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
      name="${SERVICES[$i]}"
      bash "$HERE/$name.sh" stop "$data_root/$name" || rc=1
    done
    rm -f "$env_file"
    exit "$rc"
    ;;
  status)
    rc=0
    for name in "${SERVICES[@]}" "${OPTIONAL_SERVICES[@]}"; do
      bash "$HERE/$name.sh" status "$data_root/$name" || rc=3
    done
    exit "$rc"
    ;;
  *)
    echo "usage: $(basename "$0") start|stop|status [DATA_ROOT]" >&2
    exit 2
    ;;
esac
