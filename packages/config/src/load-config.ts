import { resolve } from "node:path";
import type { ArcadeConfig } from "./arcade-config.js";
import { ConfigError } from "./config-error.js";
import { ConfigOrigins } from "./config-origins.js";
import { type Env, readEnvOverrides } from "./env-overrides.js";
import { configDir, readConfigFile } from "./read-config-file.js";
import { resolveConfig } from "./resolve-config.js";
import { unitWarnings } from "./unit-warnings.js";
import { validateFile } from "./validate-file.js";

export interface LoadConfigOptions {
  /** TOML file; default `ARCADE_CONFIG`, then `arcade.toml` in `cwd` if present. */
  file?: string;
  /** Default `process.env`. */
  env?: Env;
  /** Default `process.cwd()`. */
  cwd?: string;
}

/**
 * Read the TOML file, apply `ARCADE_<SECTION>_<KEY>` env overrides, validate, and resolve
 * defaults and paths. Throws ConfigError naming every bad key; never returns a half-valid config.
 */
export function loadConfig(options: LoadConfigOptions = {}): ArcadeConfig {
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const file = readConfigFile(options.file, env, cwd);
  const { overrides, warnings: envWarnings } = readEnvOverrides(env);

  const merged: Record<string, unknown> = structuredClone(file.data);
  for (const { key, value } of overrides) {
    merged[key.section] ??= {};
    const table = merged[key.section];
    // A section that is not a table (`server = 5`) is reported by validation; nothing to merge into.
    if (table !== null && typeof table === "object" && !Array.isArray(table)) {
      (table as Record<string, unknown>)[key.key] = value;
    }
  }

  const origins = new ConfigOrigins(file.path, file.data, overrides);
  // Read before validation converts units: it needs the numbers as written.
  const unitNotes = unitWarnings(merged, origins);
  const valid = validateFile(merged, origins);
  const { config, issues, warnings } = resolveConfig(valid, {
    origins,
    baseDir: configDir(file, cwd),
    cwd,
    adminToken: env.ARCADE_ADMIN_TOKEN,
  });
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    ...config,
    ...(file.path !== undefined ? { file: file.path } : {}),
    warnings: [...envWarnings, ...unitNotes, ...warnings],
  };
}
