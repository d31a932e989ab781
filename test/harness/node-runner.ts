import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./repo-paths.js";

const require = createRequire(import.meta.url);

/**
 * How the harness runs an entry: ONE node process, so the pid a test holds is the server
 * itself (a signal reaches it; SIGKILL leaves nothing behind). Compiled entries (dist/*.js) run
 * on plain node with source maps, as production does. A TypeScript entry (a benchmark's
 * baseline, or the "from source" side of the start-up benchmark) runs through tsx's loader
 * with the workspace packages' "source" export, as `npm run dev` does.
 */
export function nodeArgs(entry: string): string[] {
  const watch = pathToFileURL(join(import.meta.dirname, "parent-watch.mjs")).href;
  const source = entry.endsWith(".ts")
    ? ["--conditions=source", "--import", pathToFileURL(require.resolve("tsx")).href]
    : [];
  return ["--enable-source-maps", ...source, "--import", watch, entry];
}

/** What a TypeScript entry needs on top of its environment (TypeORM's legacy decorators). */
export function entryEnv(entry: string): Record<string, string> {
  return entry.endsWith(".ts") ? { TSX_TSCONFIG_PATH: join(REPO_ROOT, "infra", "tsconfig.run.json") } : {};
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
