#!/usr/bin/env bash
# `npm test`: installs what is missing, runs the static checks, starts Redis, MariaDB and s3rver
# on free loopback ports in a throw-away folder, runs every vitest suite against them, stops
# the servers again (also on Ctrl-C or failure) and ends with the line
#   N passed, N failed[, N skipped]
# Arguments go to vitest (`npm test -- packages/core`). ARCADE_SKIP_CHECKS=1 skips the static
# checks; ARCADE_KEEP_TEST_DATA=1 keeps the throw-away folder (logs) after the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Node 26 and pnpm first on PATH (installed into .tools/ when the machine's Node is older).
# shellcheck source=node-env.sh
. "$ROOT/infra/scripts/node-env.sh"
arcade_node_env || exit 1
cd "$ROOT"

# Read our own switches, then drop them: the apps treat unknown ARCADE_* variables as typos.
skip_checks="${ARCADE_SKIP_CHECKS:-0}"
keep_data="${ARCADE_KEEP_TEST_DATA:-0}"
unset ARCADE_SKIP_CHECKS ARCADE_KEEP_TEST_DATA

DATA="$ROOT/.data/test-$$"
SERVICES="$ROOT/infra/services/all.sh"
run_started=$SECONDS
totals_printed=0
cleaned=0
checks_failed=()

phase_started=$SECONDS
phase() {
  phase_started=$SECONDS
  printf '\n==> %s\n' "$*"
}
phase_done() { printf '<== %s (%ss)\n' "$*" "$((SECONDS - phase_started))"; }

cleanup() {
  [ "$cleaned" = 0 ] || return 0
  cleaned=1
  if [ -d "$DATA" ]; then
    bash "$SERVICES" stop "$DATA" || echo "[test] warning: a service did not stop cleanly (see above)" >&2
    if [ "$keep_data" = 1 ]; then
      echo "[test] kept $DATA"
    else
      rm -rf "$DATA"
    fi
  fi
}

on_exit() {
  local rc=$?
  cleanup
  # An aborted run must still end with a totals line, and it must not look like a success.
  if [ "$totals_printed" = 0 ]; then
    echo "[test] aborted before the tests finished (exit code $rc)" >&2
    echo "0 passed, 1 failed"
    [ "$rc" != 0 ] || rc=1
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Servers left behind by a run that was killed outright (no trap ran): stop them by their pid
# files and drop the folder. Folders of runs still in progress are left alone.
reap_stale_runs() {
  local dir pid
  for dir in "$ROOT"/.data/test-*; do
    [ -d "$dir" ] || continue
    pid="${dir##*/test-}"
    case "$pid" in '' | *[!0-9]*) continue ;; esac
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "[test] cleaning up after an earlier interrupted run: $dir"
      bash "$SERVICES" stop "$dir" >/dev/null 2>&1 || true
      rm -rf "$dir"
    fi
  done
}

# run_check NAME COMMAND...: a failing check fails the run but does not stop it, so one run
# reports every problem.
run_check() {
  local name="$1" started=$SECONDS
  shift
  printf -- '--- %s: %s\n' "$name" "$*"
  if "$@"; then
    printf -- '--- %s: ok (%ss)\n' "$name" "$((SECONDS - started))"
  else
    printf -- '--- %s: FAILED (%ss)\n' "$name" "$((SECONDS - started))"
    checks_failed+=("$name")
  fi
}

phase "[1/5] setup: system packages, pnpm, dependencies"
bash "$ROOT/infra/scripts/setup.sh" --services=all
phase_done "setup done"

phase "[2/5] build and static checks: tsc -b, test and plugin types, lint, dependency rules"
# The build is the type-check of every app and package, and the cross-process suites run its
# output, so it runs even when the other checks are skipped.
run_check build node infra/scripts/build.mjs --quiet
if [ "$skip_checks" = 1 ]; then
  echo "other checks skipped (ARCADE_SKIP_CHECKS=1)"
else
  run_check "typecheck tests" pnpm exec tsc -p test
  for plugin in packages/plugins/*/; do
    run_check "typecheck ${plugin%/}" pnpm exec tsc -p "$plugin"
  done
  run_check lint pnpm exec biome check .
  run_check "dependency rules" pnpm exec depcruise --config .dependency-cruiser.cjs apps packages
fi
phase_done "build and static checks done"

phase "[3/5] services: Redis, MariaDB, s3rver on free ports in ${DATA#"$ROOT"/}"
reap_stale_runs
mkdir -p "$DATA"
PORT=0 REDIS_PORT=0 MARIADB_PORT=0 S3RVER_PORT=0 bash "$SERVICES" start "$DATA"
set -a
# shellcheck disable=SC1091
. "$DATA/arcade-test.env"
set +a
phase_done "services up"

phase "[4/5] tests: vitest"
vitest_rc=0
rm -f "$ROOT/.data/last-test-report.json"
pnpm exec vitest run --config test/vitest.config.ts --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json="$DATA/vitest.json" "$@" || vitest_rc=$?
if [ -f "$DATA/vitest.json" ]; then cp "$DATA/vitest.json" "$ROOT/.data/last-test-report.json"; fi
totals="$(node "$ROOT/infra/scripts/totals.mjs" "$DATA/vitest.json" "$vitest_rc" "$ROOT/test/skipped-tests.json")"
phase_done "tests done (vitest exit code $vitest_rc)"

phase "[5/5] stopping services"
cleanup
phase_done "services stopped"

rc=0
echo
if [ "${#checks_failed[@]}" -gt 0 ]; then
  echo "[test] FAILED static checks: ${checks_failed[*]} (run them alone: pnpm run check)"
  rc=1
fi
# Interrupted (Ctrl-C): keep the signal's exit status.
if [ "$vitest_rc" -ge 128 ]; then rc="$vitest_rc"; fi
failed_count="$(printf '%s' "$totals" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')"
if [ "${failed_count:-1}" != 0 ] && [ "$rc" = 0 ]; then rc=1; fi
report_note=""
if [ -f "$ROOT/.data/last-test-report.json" ]; then report_note="; full vitest report: .data/last-test-report.json"; fi
echo "[test] total time $((SECONDS - run_started))s$report_note"
totals_printed=1
echo "$totals"
exit "$rc"
