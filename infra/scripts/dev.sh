#!/usr/bin/env bash
# `npm run dev`: like `npm start`, but the API and the worker run from the TypeScript sources and
# restart when a file they load changes (node --watch through tsx). For development only.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/start.sh" --dev
