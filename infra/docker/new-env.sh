#!/bin/sh
# Writes a new infra/.env for infra/docker-compose.yml (mode 600; an existing file is left alone):
# every password, token and secret the stack needs, random, in hex (valid inside the redis://
# URLs as it is, and what redis-acl.sh and mariadb-init.sh accept).   From infra/:
#   sh docker/new-env.sh .env
# Keep the file out of git (.gitignore lists it) and out of images (Dockerfile.dockerignore).
# A second run makes all-new values: Redis takes new passwords at its next start, but MariaDB
# keeps the ones of its first start (mariadb-init.sh runs on an empty volume only).
set -eu
out="${1:?usage: new-env.sh FILE (from infra/: sh docker/new-env.sh .env)}"
if [ -e "$out" ]; then
  echo "new-env: $out exists; move it away first to make new secrets" >&2
  exit 1
fi
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
umask 077
cat >"$out" <<ENV
# infra/.env, made by docker/new-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)
ARCADE_ADMIN_TOKEN=$(hex 24)
ARCADE_CLUSTER_SECRET=$(hex 32)
MYSQL_ROOT_PASSWORD=$(hex 16)
MYSQL_PASSWORD=$(hex 16)
MYSQL_READER_PASSWORD=$(hex 16)
REDIS_ADMIN_PASSWORD=$(hex 16)
REDIS_API_PASSWORD=$(hex 16)
REDIS_WORKER_PASSWORD=$(hex 16)
MINIO_ROOT_PASSWORD=$(hex 16)
MINIO_READER_PASSWORD=$(hex 16)
ENV
echo "new-env: wrote $out"
