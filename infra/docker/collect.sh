#!/bin/sh
# Used by infra/docker/Dockerfile (and by test/infra, which runs it outside Docker): copies the
# part of the workspace a later stage needs into OUT, keeping the repository's layout.
#   collect.sh manifests OUT  the lockfile, pnpm-workspace.yaml, every package.json, this script
#   collect.sh deps OUT       after `pnpm install --prod`: the root node_modules (the virtual
#                             store) and, per runtime project, package.json + node_modules
#   collect.sh dist OUT       after `pnpm run build`: per runtime project, dist/ without the
#                             compiled tests and test helpers, and bin/ where there is one
# The runtime projects are the api, worker and cli apps and the workspace packages they depend
# on (the same filter as the production install).
set -eu

mode="${1:?usage: collect.sh manifests|deps|dist OUT}"
out="${2:?usage: collect.sh manifests|deps|dist OUT}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

runtime_projects() {
  pnpm ls -r --depth -1 --json \
    --filter "@arcade/api..." --filter "@arcade/worker..." --filter "@arcade/cli..." |
    node -e '
      const path = require("node:path");
      const list = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
      const dirs = list.map((p) => path.relative(process.cwd(), p.path)).filter((d) => d !== "");
      if (dirs.length === 0) throw new Error("pnpm ls found no runtime project");
      console.log(dirs.sort().join("\n"));
    '
}

mkdir -p "$out"
case "$mode" in
  manifests)
    cp package.json pnpm-lock.yaml pnpm-workspace.yaml "$out/"
    # Every workspace member's manifest: a frozen install checks the lockfile against all of them.
    find apps packages test -name package.json -not -path '*/node_modules/*' -not -path '*/dist/*' \
      -exec cp --parents {} "$out/" \;
    cp --parents infra/docker/collect.sh "$out/"
    ;;
  deps)
    cp -a package.json node_modules "$out/"
    for dir in $(runtime_projects); do
      mkdir -p "$out/$dir"
      cp -a "$dir/package.json" "$out/$dir/"
      if [ -d "$dir/node_modules" ]; then cp -a "$dir/node_modules" "$out/$dir/"; fi
    done
    ;;
  dist)
    for dir in $(runtime_projects); do
      if [ ! -f "$dir/dist/index.js" ] && [ ! -f "$dir/dist/main.js" ]; then
        echo "collect.sh: $dir/dist has no index.js or main.js; did \`pnpm run build\` run?" >&2
        exit 1
      fi
      mkdir -p "$out/$dir"
      cp -a "$dir/dist" "$out/$dir/"
      if [ -d "$dir/bin" ]; then cp -a "$dir/bin" "$out/$dir/"; fi
      # Compiled tests and their helpers (nothing else imports src/testing or src/test-support).
      find "$out/$dir/dist" -type f -name '*.test.*' -delete
      find "$out/$dir/dist" -type d \( -name testing -o -name test-support \) -prune -exec rm -rf {} +
    done
    ;;
  *)
    echo "collect.sh: unknown mode $mode (manifests, deps or dist)" >&2
    exit 2
    ;;
esac
