import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RUN_TSCONFIG } from "./repo-paths.js";

const require = createRequire(import.meta.url);

/**
 * How to run a TypeScript entry as ONE node process: `node --import tsx <entry>` with the
 * tsconfig passed through TSX_TSCONFIG_PATH. Not the tsx CLI: it runs the script in a child
 * node process, so the pid a test holds would be a relay and SIGKILL would orphan the server.
 */
export function tsxNodeArgs(entry: string): string[] {
  const loader = pathToFileURL(require.resolve("tsx")).href;
  const watch = pathToFileURL(join(import.meta.dirname, "parent-watch.mjs")).href;
  return ["--import", loader, "--import", watch, entry];
}

/** Environment a tsx-run process needs on top of its own. */
export function tsxEnv(): Record<string, string> {
  return { TSX_TSCONFIG_PATH: RUN_TSCONFIG };
}

/**
 * The caller's environment minus what would leak into a platform process: our own ARCADE_*
 * (the test addresses, a developer's settings), vitest's markers and NODE_OPTIONS.
 */
export function cleanBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name.startsWith("ARCADE_") || name.startsWith("VITEST") || name === "NODE_OPTIONS") continue;
    if (name === "TEST" || name === "NODE_ENV") continue;
    env[name] = value;
  }
  return env;
}
