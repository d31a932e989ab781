import { join, resolve } from "node:path";

/** The monorepo root: every process is started from here, as a developer would. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

/** Compiled entries (`pnpm run build`; the e2e projects build before they start). */
export const API_ENTRY = join(REPO_ROOT, "apps", "api", "dist", "main.js");
export const WORKER_ENTRY = join(REPO_ROOT, "apps", "worker", "dist", "main.js");
export const PLUGIN_CLI_ENTRY = join(REPO_ROOT, "packages", "sdk", "dist", "bin", "arcade-plugin.js");
