#!/bin/sh
# Writes the Redis ACL file of the platform's users and, given a command, runs it:
#   sh redis-acl.sh OUT_FILE [redis-server ... --aclfile OUT_FILE]
# The rules come from redis-users.acl.template beside this script (the one definition that
# infra/docker-compose.yml and the datastores component of infra/k8s share). The passwords come
# from REDIS_ADMIN_PASSWORD, REDIS_API_PASSWORD and REDIS_WORKER_PASSWORD (16+ letters or digits,
# so the platform's redis:// URLs carry them as they are); only their SHA-256 is written. The file
# is rewritten at every start, so a changed password or rule applies on the next restart.
# POSIX sh: it runs in the redis:7-alpine image (busybox) and in the offline test (dash).
set -eu
out="${1:?usage: redis-acl.sh OUT_FILE [COMMAND ARGS...]}"
shift
template="$(dirname "$0")/redis-users.acl.template"
prefix="${REDIS_KEY_PREFIX:-arcade}"

fail() {
  echo "redis-acl: $*" >&2
  exit 2
}
# Checked here, in this shell: a failure inside $(...) would not stop the script.
check_password() {
  eval "value=\${$1:-}"
  case "$value" in
    "" | *[!A-Za-z0-9]*) fail "$1 must be set to letters and digits only (e.g. openssl rand -hex 16)" ;;
  esac
  [ "${#value}" -ge 16 ] || fail "$1 must be at least 16 characters"
}
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
case "$prefix" in
  "" | *[!A-Za-z0-9_.:-]*) fail "REDIS_KEY_PREFIX may hold letters, digits, _, ., : and - only" ;;
esac

for name in REDIS_ADMIN_PASSWORD REDIS_API_PASSWORD REDIS_WORKER_PASSWORD; do check_password "$name"; done
admin="$(sha "$REDIS_ADMIN_PASSWORD")"
api="$(sha "$REDIS_API_PASSWORD")"
worker="$(sha "$REDIS_WORKER_PASSWORD")"
# default's "password hash": a hash of random bytes nobody keeps, so no password matches it.
unknown="$(head -c 48 /dev/urandom | sha256sum | cut -d' ' -f1)"

umask 077
sed -e '/^#/d' -e '/^$/d' \
  -e "s|{{KEYS}}|${prefix}*|g" \
  -e "s|{{DEFAULT_SHA}}|${unknown}|" -e "s|{{ADMIN_SHA}}|${admin}|" \
  -e "s|{{API_SHA}}|${api}|" -e "s|{{WORKER_SHA}}|${worker}|" \
  "$template" >"$out.tmp"
if grep -q '{{' "$out.tmp"; then fail "a placeholder of $template was left unfilled"; fi
mv -f "$out.tmp" "$out"

if [ "$#" -gt 0 ]; then exec "$@"; fi
