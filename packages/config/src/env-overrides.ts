import type { TSchema } from "@sinclair/typebox";
import { CONFIG_KEYS, type ConfigKey, ENV_PREFIX, isKnownExtraEnv, keyByEnv } from "./config-keys.js";
import { didYouMean } from "./did-you-mean.js";

/** One `ARCADE_<SECTION>_<KEY>` variable, read and coerced to its key's type. */
export interface EnvOverride {
  key: ConfigKey;
  raw: string;
  value: unknown;
}

export type Env = Readonly<Record<string, string | undefined>>;

const NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * Env values are strings; turn them into what the schema expects. A value that does not
 * fit is passed through unchanged so validation reports it with the text the user wrote.
 */
export function coerceEnvValue(raw: string, schema: TSchema): unknown {
  const trimmed = raw.trim();
  switch (schema.type) {
    case "integer":
    case "number":
      // sizes and durations ("50MiB", "30s") are parsed with the file's values, later.
      if (schema.unit) return trimmed;
      return NUMBER.test(trimmed) ? Number(trimmed) : raw;
    case "boolean": {
      const lower = trimmed.toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      return raw;
    }
    case "array":
      if (trimmed.startsWith("[")) {
        try {
          return JSON.parse(trimmed);
        } catch {
          return raw;
        }
      }
      // A comma list makes sense for strings only; tables must come as JSON.
      if ((schema.items as TSchema | undefined)?.type === "object") return raw;
      return trimmed
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    default:
      return raw;
  }
}

/** Every config key set through the environment, and warnings for ARCADE_* names that mean nothing. */
export function readEnvOverrides(env: Env): { overrides: EnvOverride[]; warnings: string[] } {
  const overrides: EnvOverride[] = [];
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.startsWith(ENV_PREFIX) || isKnownExtraEnv(name)) continue;
    const key = keyByEnv(name);
    if (key) {
      overrides.push({ key, raw, value: coerceEnvValue(raw, key.schema) });
      continue;
    }
    const hint = didYouMean(
      name,
      CONFIG_KEYS.map((k) => k.env),
    );
    warnings.push(`unknown environment variable ${name} is ignored${hint ? ` (did you mean ${hint}?)` : ""}`);
  }
  return { overrides, warnings };
}
