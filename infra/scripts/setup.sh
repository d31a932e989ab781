#!/usr/bin/env bash
# Installs what the platform and its tests need on Debian 12 with any Node and npm:
# system packages (redis-server; mariadb-server and chromium unless --services=redis; a C++ toolchain for
# better-sqlite3), Node 26 and pnpm 12.4.2 into .tools/ when the machine's Node is older,
# and the workspace dependencies. Safe to run again: each step
# checks first and is skipped when already done.
#   bash infra/scripts/setup.sh [--services=all|redis|none]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

services=all
for arg in "$@"; do
  case "$arg" in
    --services=*) services="${arg#--services=}" ;;
    -h | --help)
      sed -n '2,6p' "$0"
      exit 0
      ;;
    *)
      echo "[setup] unknown argument: $arg (expected --services=all|redis|none)" >&2
      exit 2
      ;;
  esac
done
case "$services" in all | redis | none) ;; *)
  echo "[setup] --services must be all, redis or none (got '$services')" >&2
  exit 2
  ;;
esac

say() { printf '[setup] %s\n' "$*"; }
fail() {
  printf '[setup] error: %s\n' "$*" >&2
  exit 1
}

# Root runs things directly; anyone else goes through sudo, or is told what to run.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    fail "need root for: $* -- run it as root (or install sudo), then run this script again"
  fi
}

# --- system packages --------------------------------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
if [ "$services" != none ]; then
  need redis-server redis-server
  need redis-cli redis-tools
fi
if [ "$services" = all ]; then
  need mariadbd mariadb-server
  need mariadb-install-db mariadb-server
  need mariadb-admin mariadb-client
  need mariadb mariadb-client
  # The browser test of the API reference page (/docs).
  need chromium chromium
fi
# re2 (and better-sqlite3 where its prebuilt binary does not fit) compile with node-gyp.
need g++ build-essential
need make build-essential
need python3 python3

if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  say "installing system packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "apt-get not found; install ${missing[*]} with your package manager, then run this again"
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    fail "not root and no sudo. As root run: apt-get update && apt-get install -y ${missing[*]}"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Should the distribution start its own system-wide servers, they are left alone: ours run
  # per checkout, on other ports, from infra/services/.
else
  say "system packages: already installed"
fi

# --- Node 26 and pnpm ---------------------------------------------------------------------------
# The machine's own Node when it is 26 or newer; otherwise one installed into .tools/ (see
# node-env.sh). Callers that need the same PATH source node-env.sh themselves.
# shellcheck source=node-env.sh
. "$ROOT/infra/scripts/node-env.sh"
arcade_node_env || fail "Node 26 is not available (see the message above)"
say "node $(node --version) ($(command -v node)), pnpm $(pnpm --version)"

# --- workspace dependencies ---------------------------------------------------------------------
cd "$ROOT"
say "installing workspace dependencies (pnpm install; the first run compiles re2 from source, ~5 min on 2 cores)"
start=$SECONDS
install_args=(install --config.confirmModulesPurge=false)
if [ -f pnpm-lock.yaml ]; then
  install_args+=(--frozen-lockfile)
fi
if ! pnpm "${install_args[@]}" </dev/null; then
  if [ -f pnpm-lock.yaml ]; then
    fail "pnpm install --frozen-lockfile failed. If a package.json changed, run 'pnpm install' once to update pnpm-lock.yaml and commit it."
  fi
  fail "pnpm install failed (see the output above)"
fi
say "dependencies ready ($((SECONDS - start))s)"

# A native addon is built for one Node ABI: after the project's Node changed, rebuild them.
abi_stamp="$ROOT/node_modules/.arcade-node-abi"
if [ "$(cat "$abi_stamp" 2>/dev/null)" != "$(node -p process.versions.modules)" ]; then
  if [ -f "$abi_stamp" ]; then
    say "Node changed since the last install: rebuilding native modules"
    pnpm rebuild better-sqlite3 re2 </dev/null || fail "pnpm rebuild of the native modules failed (see above); delete node_modules and run this again"
  fi
  node -p process.versions.modules >"$abi_stamp"
fi
