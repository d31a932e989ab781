#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --only accept,invoke]`: installs what is missing, then runs the
# benchmark suite (test/bench/run.ts). It starts Redis, MariaDB and s3rver on free loopback
# ports in .data/bench-<pid> and stops them again at the end (or reuses the ones named by
# ARCADE_TEST_* when all are set). Results: test/bench/results/<timestamp>.json and a
# markdown table on stdout. A full run took about 7 minutes on 2 cores (budget: 20), --quick about 2.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Node 26 and pnpm first on PATH (installed into .tools/ when the machine's Node is older).
# shellcheck source=node-env.sh
. "$ROOT/infra/scripts/node-env.sh"
arcade_node_env || exit 1
cd "$ROOT"

echo "==> setup: system packages, pnpm, dependencies"
bash "$ROOT/infra/scripts/setup.sh" --services=all

echo "==> build"
node "$ROOT/infra/scripts/build.mjs" --quiet

echo "==> benchmarks"
exec pnpm exec tsx --tsconfig infra/tsconfig.run.json test/bench/run.ts "$@"
