#!/usr/bin/env bash
# `npm start`: runs the platform on this machine. Installs what is missing, starts a local Redis
# (unless ARCADE_REDIS_URL points at one), makes sure an admin token exists, then runs the API
# and the worker in the foreground until Ctrl-C. Everything else uses the embedded defaults
# (SQLite database and filesystem object store under .data/); see arcade.toml / ARCADE_* to change.
#   REDIS_PORT=N   port of the local Redis (default 6390, the config default)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Node 26 and pnpm first on PATH (installed into .tools/ when the machine's Node is older).
# shellcheck source=node-env.sh
. "$ROOT/infra/scripts/node-env.sh"
arcade_node_env || exit 1
cd "$ROOT"

API_MAIN=apps/api/dist/main.js
WORKER_MAIN=apps/worker/dist/main.js
REDIS_DIR="$ROOT/.data/services/redis"
TOKEN_FILE="$ROOT/.data/admin-token"
SECRET_FILE="$ROOT/.data/cluster-secret"
# The worker drains its running jobs on SIGTERM (worker.shutdown_timeout, 30 s by default).
STOP_GRACE=40

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    *) echo "[start] unknown argument: $arg (expected --dev)" >&2; exit 2 ;;
  esac
done

say() { printf '[start] %s\n' "$*"; }
fail() {
  printf '[start] error: %s\n' "$*" >&2
  exit 1
}

bash "$ROOT/infra/scripts/setup.sh" --services=redis

# Compile what changed since the last build (a no-op when nothing did); the processes below
# run the compiled JavaScript. `npm run dev` runs the sources with restart-on-change instead.
if [ "$dev" = 0 ]; then
  node "$ROOT/infra/scripts/build.mjs" || fail "the build failed (see above); fix it, then run npm start again"
  for main in "$API_MAIN" "$WORKER_MAIN"; do
    [ -f "$main" ] || fail "$main was not built (see the build output above)"
  done
fi

children=()
declare -A names
own_redis=0
cleaned=0

cleanup() {
  [ "$cleaned" = 0 ] || return 0
  cleaned=1
  local pid deadline
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + STOP_GRACE))
  for pid in "${children[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid did not stop within ${STOP_GRACE}s; killing it"
      # Each child leads its own process group (setsid): take the watcher and node down together.
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$own_redis" = 1 ]; then
    bash "$ROOT/infra/services/redis.sh" stop "$REDIS_DIR" || true
  fi
}
trap cleanup EXIT
# The children run in their own sessions (setsid below), so a Ctrl-C reaches only this script,
# which passes exactly one SIGTERM on: a second signal would make the apps skip their graceful
# drain, and pnpm forwards SIGTERM to its child but not SIGINT.
trap 'say "stopping (SIGINT)"; exit 130' INT
trap 'say "stopping (SIGTERM)"; exit 143' TERM

# --- Redis -----------------------------------------------------------------------------------
redis_warning=""
if [ -n "${ARCADE_REDIS_URL:-}" ]; then
  say "using Redis at ARCADE_REDIS_URL (not starting a local one)"
  API_REDIS_URL="$ARCADE_REDIS_URL" WORKER_REDIS_URL="$ARCADE_REDIS_URL"
else
  # A Redis already running from this folder belongs to another `npm start`: use it, leave it.
  if ! bash "$ROOT/infra/services/redis.sh" status "$REDIS_DIR" >/dev/null; then own_redis=1; fi
  REDIS_PORT="${REDIS_PORT:-6390}" bash "$ROOT/infra/services/redis.sh" start "$REDIS_DIR" ||
    fail "local Redis did not start. Another program may hold the port: set REDIS_PORT=<free port>, or ARCADE_REDIS_URL=redis://host:port to use an existing Redis"
  # shellcheck disable=SC1091
  . "$ROOT/.data/services/redis.env"
  # One ACL user per role (infra/services/redis.sh): the API's and the worker's own passwords.
  API_REDIS_URL="${REDIS_API_URL:-$REDIS_URL}" WORKER_REDIS_URL="${REDIS_WORKER_URL:-$REDIS_URL}"
  case "$API_REDIS_URL" in
    *@*) ;;
    *)
      # A Redis left running by an older version of the script has no passwords.
      export ARCADE_REDIS_ALLOW_UNAUTHENTICATED=true
      redis_warning="Redis has no password (started by an older script): bash infra/services/redis.sh restart .data/services/redis"
      ;;
  esac
fi

# A file of this checkout's own secrets: written once (mode 600) by the node snippet given.
ensure_secret_file() {
  local file="$1" script="$2"
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (
      umask 077
      node -e "$script" >"$file"
    )
  fi
  chmod 600 "$file"
}

# --- cluster secret: signs reload events and heartbeats (cluster.secret) ------------------------
if [ -z "${ARCADE_CLUSTER_SECRET:-}" ]; then
  ensure_secret_file "$SECRET_FILE" 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))'
  ARCADE_CLUSTER_SECRET="$(cat "$SECRET_FILE")"
  export ARCADE_CLUSTER_SECRET
fi

# --- config secrets key: seals plugin config secrets (secrets.keys; the API only) ---------------
SECRETS_KEYS_FILE="$ROOT/.data/secret-keys"
API_SECRETS=()
if [ -z "${ARCADE_SECRETS_KEYS:-}${ARCADE_SECRETS_KEYS_FILE:-}" ]; then
  ensure_secret_file "$SECRETS_KEYS_FILE" 'process.stdout.write("k1:" + require("node:crypto").randomBytes(32).toString("base64") + "\n")'
  # The newest line is the active key: a rotation appends one (docs/secrets.md).
  API_SECRETS=(ARCADE_SECRETS_KEYS_FILE="$SECRETS_KEYS_FILE" ARCADE_SECRETS_ACTIVE_KEY="$(tail -n 1 "$SECRETS_KEYS_FILE" | cut -d: -f1)")
fi

# --- admin token -----------------------------------------------------------------------------
token_origin="ARCADE_ADMIN_TOKEN"
if [ -z "${ARCADE_ADMIN_TOKEN:-}" ]; then
  token_origin=".data/admin-token"
  if [ ! -s "$TOKEN_FILE" ]; then
    mkdir -p "$(dirname "$TOKEN_FILE")"
    (
      umask 077
      node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))' >"$TOKEN_FILE"
    )
    chmod 600 "$TOKEN_FILE"
    token_origin=".data/admin-token, just created"
  fi
  ARCADE_ADMIN_TOKEN="$(cat "$TOKEN_FILE")"
  export ARCADE_ADMIN_TOKEN
fi

host="${ARCADE_SERVER_HOST:-127.0.0.1}"
[ "$host" != 0.0.0.0 ] || host=127.0.0.1
base="http://$host:${ARCADE_SERVER_PORT:-8080}"
cat <<BANNER

  ================================================================================
   Arcade plugin platform
     API          $base/api/v1        (health: $base/healthz)
     Admin token  $ARCADE_ADMIN_TOKEN
                  ($token_origin; sent as "Authorization: Bearer <token>")
     Try          curl -H "Authorization: Bearer $ARCADE_ADMIN_TOKEN" $base/api/v1/plugins
     Stop         Ctrl-C${redis_warning:+
     WARNING      $redis_warning}
  ================================================================================

BANNER

# --- the platform ----------------------------------------------------------------------------
NODE_RUN=(node --enable-source-maps)
if [ "$dev" = 1 ]; then
  # `npm run dev`: the TypeScript sources (workspace packages by their "source" export), through
  # tsx with restart on change; infra/tsconfig.run.json gives TypeORM's entities legacy decorators.
  API_MAIN=apps/api/src/main.ts
  WORKER_MAIN=apps/worker/src/main.ts
  NODE_RUN=(node --conditions=source --import tsx --watch --watch-preserve-output)
  export TSX_TSCONFIG_PATH="$ROOT/infra/tsconfig.run.json"
fi
say "starting api ($API_MAIN) and worker ($WORKER_MAIN) on node $(node --version)"
env "${API_SECRETS[@]}" ARCADE_REDIS_URL="$API_REDIS_URL" setsid "${NODE_RUN[@]}" "$API_MAIN" </dev/null &
children+=("$!")
ARCADE_REDIS_URL="$WORKER_REDIS_URL" setsid "${NODE_RUN[@]}" "$WORKER_MAIN" </dev/null &
children+=("$!")

# Both or neither: an API without its worker accepts jobs that never run.
names=([${children[0]}]=api [${children[1]}]=worker)
rc=0
exited=""
wait -n -p exited "${children[@]}" || rc=$?
who="a platform process"
if [ -n "$exited" ] && [ -n "${names[$exited]:-}" ]; then who="${names[$exited]}"; fi
say "$who exited (code $rc); stopping the rest"
exit "$rc"
