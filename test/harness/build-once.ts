import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-paths.js";

/**
 * Vitest global setup of the cross-process suites: the processes they start run the compiled
 * dist/, so bring it up to date first (incremental: a no-op when nothing changed since the
 * last build, which `npm test` has just made).
 */
export default function buildOnce(): void {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, "infra", "scripts", "build.mjs"), "--quiet"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    throw new Error(
      "the build failed (see above), so the cross-process suites cannot start; fix it and run again",
    );
  }
}
