#!/usr/bin/env node
import { runCli } from "./run-cli.js";

/**
 * `pnpm --filter @arcade/cli arcade-plugins ...` runs with apps/cli as the
 * current directory; INIT_CWD is where the operator typed the command, and
 * relative paths (and .data/admin-token) mean that place.
 */
function invocationDir(): string {
  const init = process.env.INIT_CWD;
  return init && process.env.npm_package_name === "@arcade/cli" ? init : process.cwd();
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: invocationDir(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
