import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { API_ENTRY, PLUGIN_CLI_ENTRY, REPO_ROOT, WORKER_ENTRY } from "./repo-paths.js";

/**
 * Vitest global setup of the cross-process suites: the processes they start run the compiled
 * dist/, so bring it up to date first (incremental: a no-op when nothing changed since the
 * last build, which `npm test` has just made). Type errors are the build check's to report
 * (it fails the test command); here they only stop the suites when nothing could be emitted.
 */
export default function buildOnce(): void {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, "infra", "scripts", "build.mjs"), "--quiet"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  const missing = [API_ENTRY, WORKER_ENTRY, PLUGIN_CLI_ENTRY].filter((entry) => !existsSync(entry));
  if (missing.length > 0) {
    throw new Error(`the build did not produce ${missing.join(", ")} (see above); fix it and run again`);
  }
  if (result.status !== 0) {
    console.warn("[build-once] the build reported errors (see above); the suites run on what it emitted");
  }
}
