#!/usr/bin/env bash
# What can be checked of the image without a container engine: assembles the runtime stage's
# file tree (the same collect.sh steps and production install as infra/docker/Dockerfile) in a
# scratch folder, then runs the api and a worker FROM THAT TREE with plain node through
# entrypoint.sh, against the local MariaDB, Redis and s3rver, and checks that
#   - /readyz of the api and of the worker's metrics port answer 200,
#   - healthcheck.mjs (the image's HEALTHCHECK) passes for both,
#   - a plugin installs (worker: fetch..activate), loads in the api's sandbox and answers a call,
#   - the worker's /metrics counts that job,
#   - both stop on SIGTERM with exit code 0.
# Not covered: the Debian base image, apt, the non-root user, BuildKit cache mounts.
#   bash infra/docker/try-runtime-tree.sh [SCRATCH_DIR]     (needs `pnpm run build` first)
# Services: started in SCRATCH_DIR/services unless ARCADE_TEST_* (arcade-test.env) are set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=../scripts/node-env.sh
source infra/scripts/node-env.sh
arcade_node_env

scratch="${1:-$root/.data/runtime-tree}"
say() { printf '[runtime-tree] %s\n' "$*"; }
fail() {
  printf '[runtime-tree] FAILED: %s\n' "$*" >&2
  exit 1
}
rm -rf "$scratch"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"
pids=()
own_services=""
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  if [ -n "$own_services" ]; then bash infra/services/all.sh stop "$own_services" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

free_port() { node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---- the image's stages, outside Docker ------------------------------------------------------
say "manifests stage"
sh infra/docker/collect.sh manifests "$scratch/prod"
say "prod-deps stage: pnpm install --prod (offline, from this machine's pnpm store)"
# --ignore-scripts: native modules are compiled in the image's prod-deps stage; here their build
# output is copied from this checkout's own install (same versions, same Node), because compiling
# re2 again takes many minutes on a small machine.
(cd "$scratch/prod" && pnpm install --prod --frozen-lockfile --offline --ignore-scripts \
  --config.confirmModulesPurge=false \
  --filter "@arcade/api..." --filter "@arcade/worker..." --filter "@arcade/cli..." >"$scratch/prod-install.log" 2>&1) ||
  fail "production install failed; see $scratch/prod-install.log"
while IFS= read -r built; do
  rel="${built#"$root/"}"
  if [ -d "$scratch/prod/$(dirname "$rel")" ]; then
    cp -a "$built" "$scratch/prod/$rel"
    say "native build copied: $(dirname "$rel" | sed 's|.*/node_modules/||')"
  fi
done < <(find "$root/node_modules/.pnpm" -mindepth 4 -maxdepth 5 -type d -name build -path '*/node_modules/*/build' \
  -exec test -d '{}/Release' ';' -print)
(cd "$scratch/prod" && sh infra/docker/collect.sh trim-native . && sh infra/docker/collect.sh deps "$scratch/app")
say "build stage: dist/ of this checkout (run \`pnpm run build\` first)"
sh infra/docker/collect.sh dist "$scratch/app"
mkdir -p "$scratch/app/infra/docker"
cp infra/docker/entrypoint.sh infra/docker/healthcheck.mjs "$scratch/app/infra/docker/"
app="$scratch/app"
if find "$app" -path "$app/node_modules" -prune -o -name '*.ts' ! -name '*.d.ts' -print | grep -q .; then
  fail "TypeScript sources in the runtime tree"
fi
for dev in typescript tsx vitest @biomejs; do
  if ls "$app/node_modules/.pnpm" | grep -q "^${dev}@"; then fail "dev dependency $dev in the runtime tree"; fi
done
say "runtime tree: $(du -sh "$app" | cut -f1) ($(ls "$app/node_modules/.pnpm" | wc -l) packages)"

# ---- services --------------------------------------------------------------------------------
if [ -z "${ARCADE_TEST_REDIS_URL:-}" ] || [ -z "${ARCADE_TEST_MYSQL_URL:-}" ] || [ -z "${ARCADE_TEST_S3_ENDPOINT:-}" ]; then
  own_services="$scratch/services"
  PORT=0 REDIS_PORT=0 MARIADB_PORT=0 S3RVER_PORT=0 bash infra/services/all.sh start "$own_services" >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$own_services/arcade-test.env"
  set +a
fi

api_port="$(free_port)"
metrics_port="$(free_port)"
token="$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')"
prefix="arcade-rt$(node -e 'console.log(require("node:crypto").randomBytes(4).toString("hex"))')"
# (The prefix starts with "arcade": the local Redis users may only touch arcade* keys.)
# As in a container: nothing of this shell's environment but PATH and what compose would set.
cluster_secret="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')"
run() {
  local name="$1" data="$scratch/data-$1" redis_url="$ARCADE_TEST_REDIS_URL"
  # The local Redis has a user per process kind (infra/services/redis.sh); use it when there.
  if [ "$1" = api ] && [ -n "${ARCADE_TEST_REDIS_API_URL:-}" ]; then redis_url="$ARCADE_TEST_REDIS_API_URL"; fi
  if [ "$1" = worker ] && [ -n "${ARCADE_TEST_REDIS_WORKER_URL:-}" ]; then redis_url="$ARCADE_TEST_REDIS_WORKER_URL"; fi
  mkdir -p "$data"
  env -i PATH="$PATH" HOME="$scratch" NODE_ENV=production \
    ARCADE_SERVER_HOST=127.0.0.1 ARCADE_SERVER_PORT="$api_port" ARCADE_SERVER_DATA_DIR="$data" \
    ARCADE_WORKER_METRICS_PORT="$metrics_port" ARCADE_NODE_ID="rt-$name" \
    ARCADE_ADMIN_TOKEN="$token" ARCADE_CLUSTER_SECRET="$cluster_secret" ARCADE_LOG_LEVEL=info \
    ARCADE_DATABASE_TYPE=mysql ARCADE_DATABASE_URL="$ARCADE_TEST_MYSQL_URL" \
    ARCADE_REDIS_URL="$redis_url" ARCADE_REDIS_KEY_PREFIX="$prefix" \
    ARCADE_STORAGE_TYPE=s3 ARCADE_STORAGE_S3_ENDPOINT="$ARCADE_TEST_S3_ENDPOINT" \
    ARCADE_STORAGE_S3_BUCKET="${ARCADE_TEST_S3_BUCKET:-arcade}" ARCADE_STORAGE_S3_KEY_PREFIX="$prefix/" \
    ARCADE_STORAGE_S3_ACCESS_KEY_ID=S3RVER ARCADE_STORAGE_S3_SECRET_ACCESS_KEY=S3RVER \
    "$app/infra/docker/entrypoint.sh" "$name" >"$scratch/$name.log" 2>&1 &
  pids+=("$!")
}

wait_ready() {
  local url="$1" what="$2"
  for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ]; then return 0; fi
    sleep 0.2
  done
  fail "$what: $url did not answer 200 within 60 s; see $scratch/*.log"
}

say "starting api (:$api_port) and worker (metrics :$metrics_port) from the tree"
run api
run worker
wait_ready "http://127.0.0.1:$api_port/readyz" api
wait_ready "http://127.0.0.1:$metrics_port/readyz" worker
say "api and worker ready"

# The HEALTHCHECK script, as Docker would run it, for each process (a fake /proc names it).
for which in api worker; do
  fake="$scratch/proc-$which/1"
  mkdir -p "$fake"
  printf 'node\0--enable-source-maps\0apps/%s/dist/main.js\0' "$which" >"$fake/cmdline"
  ARCADE_HEALTHCHECK_PROC="$scratch/proc-$which" ARCADE_SERVER_PORT="$api_port" \
    ARCADE_WORKER_METRICS_PORT="$metrics_port" node "$app/infra/docker/healthcheck.mjs" >/dev/null ||
    fail "healthcheck.mjs reports $which unhealthy"
done
say "healthcheck.mjs: api and worker healthy"

# A plugin, packed with the SDK from the tree, installed, then called on the api's runtime.
node "$app/packages/sdk/bin/arcade-plugin.mjs" pack packages/plugins/notify-stdout -o "$scratch/notify.zip" >/dev/null
api="http://127.0.0.1:$api_port/api/v1"
job="$(curl -sf -H "Authorization: Bearer $token" -F source=local -F "file=@$scratch/notify.zip" \
  "$api/plugins/install?wait=60")" || fail "install request failed"
state="$(node -pe 'JSON.parse(process.argv[1]).state' "$job")"
[ "$state" = succeeded ] || fail "install ended $state: $job"
plugin="$(node -pe 'JSON.parse(process.argv[1]).pluginId' "$job")"
for _ in $(seq 1 100); do
  answer="$(curl -s -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"params":{"message":"from the runtime tree"}}' "$api/plugins/$plugin/actions/send" || true)"
  if echo "$answer" | grep -q '"delivered":true'; then break; fi
  sleep 0.2
done
echo "$answer" | grep -q '"delivered":true' || fail "the plugin did not answer: $answer"
say "plugin $plugin installed by the worker and answered on the api"

metrics="$(curl -sf "http://127.0.0.1:$metrics_port/metrics")"
echo "$metrics" | grep -q '^arcade_jobs_total{type="install",state="succeeded"} 1$' ||
  fail "the worker's /metrics does not count the install"
say "worker /metrics counts the install"

say "SIGTERM to both"
codes=()
for pid in "${pids[@]}"; do
  kill -TERM "$pid"
  set +e
  wait "$pid"
  codes+=("$?")
  set -e
done
pids=()
[ "${codes[*]}" = "0 0" ] || fail "exit codes after SIGTERM: ${codes[*]}"
say "both stopped with exit code 0"
say "OK"
