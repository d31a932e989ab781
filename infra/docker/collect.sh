#!/bin/sh
# Used by infra/docker/Dockerfile (and by test/infra, which runs it outside Docker): copies the
# part of the workspace a later stage needs into OUT, keeping the repository's layout.
#   collect.sh manifests OUT  the lockfile, pnpm-workspace.yaml, every package.json, this script
#   collect.sh deps OUT       after `pnpm install --prod`: the root node_modules (the virtual
#                             store) and, per runtime project, package.json + node_modules
#   collect.sh dist OUT       after `pnpm run build`: per runtime project, dist/ without the
#                             compiled tests, and bin/ where there is one
#   collect.sh trim-native DIR   in DIR's node_modules: drops node-gyp's intermediate files,
#                             better-sqlite3's C sources and its binaries for other platforms
# The runtime projects are the api, worker and cli apps and the workspace packages they depend
# on (the same filter as the production install).
set -eu

mode="${1:?usage: collect.sh manifests|deps|dist|trim-native DIR}"
out="${2:?usage: collect.sh manifests|deps|dist|trim-native DIR}"
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
      # Compiled tests. Helpers in testing/ stay: a package may export one (db does).
      find "$out/$dir/dist" -type f -name '*.test.*' -delete
    done
    ;;
  trim-native)
    # The loadable .node files stay in build/Release; the object files beside them are not loaded.
    find "$out/node_modules/.pnpm" -type d \( -path '*/build/Release/obj.target' -o -path '*/build/Release/.deps' \) \
      -prune -exec rm -rf {} +
    arch="$(node -p process.arch)"
    for pkg in "$out"/node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3; do
      [ -d "$pkg" ] || continue
      rm -rf "$pkg/deps" "$pkg/src"
      if [ -d "$pkg/prebuilds" ]; then find "$pkg/prebuilds" -type f ! -name "linux-$arch.node" -delete; fi
    done
    ;;
  *)
    echo "collect.sh: unknown mode $mode (manifests, deps, dist or trim-native)" >&2
    exit 2
    ;;
esac
