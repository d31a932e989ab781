import { join, resolve } from "node:path";

/** The monorepo root: every process is started from here, as a developer would. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

/** The tsconfig tsx must use for the apps (TypeORM entities need legacy decorators). */
export const RUN_TSCONFIG = join(REPO_ROOT, "infra", "tsconfig.run.json");

export const API_ENTRY = join(REPO_ROOT, "apps", "api", "src", "main.ts");
export const WORKER_ENTRY = join(REPO_ROOT, "apps", "worker", "src", "main.ts");
export const PLUGIN_CLI_ENTRY = join(REPO_ROOT, "packages", "sdk", "src", "bin", "arcade-plugin.ts");
