#!/bin/sh
# Entry point of the platform image: the first argument picks the process.
#   api (default)   the HTTP API, also a runtime node       (port ARCADE_SERVER_PORT, 8080)
#   worker          a queue worker           (/metrics, /healthz, /readyz on ARCADE_WORKER_METRICS_PORT, 9464)
#   cli ARGS...     the arcade-plugins CLI (ARCADE_API_URL, ARCADE_TOKEN)
#   anything else   run as given (e.g. `sh` to look around)
# exec: the process receives the container's SIGTERM itself and shuts down gracefully.
set -eu
# The image root (/app), found from this script, so the same tree also runs outside a container.
cd "$(dirname "$0")/../.."
process="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$process" in
  api) exec node --enable-source-maps apps/api/dist/main.js "$@" ;;
  worker) exec node --enable-source-maps apps/worker/dist/main.js "$@" ;;
  cli) exec node --enable-source-maps apps/cli/dist/main.js "$@" ;;
  *) exec "$process" "$@" ;;
esac
