import type { TSchema } from "@sinclair/typebox";
import { FileSchema, type SectionName } from "./file-schema.js";

/** One settable key: its TOML spelling, its env spelling and its schema. */
export interface ConfigKey {
  section: SectionName;
  key: string;
  /** TOML spelling, e.g. `server.port`. */
  path: string;
  /** Env spelling, e.g. `ARCADE_SERVER_PORT`. */
  env: string;
  schema: TSchema;
}

export const ENV_PREFIX = "ARCADE_";

export function envNameOf(section: string, key: string): string {
  return `${ENV_PREFIX}${section}_${key}`.toUpperCase();
}

/** Every key of every section, read off the schema so the table cannot drift from it. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.entries(FileSchema.properties).flatMap(
  ([section, sectionSchema]) =>
    Object.entries((sectionSchema as { properties: Record<string, TSchema> }).properties).map(
      ([key, schema]) => ({
        section: section as SectionName,
        key,
        path: `${section}.${key}`,
        env: envNameOf(section, key),
        schema,
      }),
    ),
);

const BY_ENV = new Map(CONFIG_KEYS.map((k) => [k.env, k]));
const BY_PATH = new Map(CONFIG_KEYS.map((k) => [k.path, k]));

export function keyByEnv(name: string): ConfigKey | undefined {
  return BY_ENV.get(name);
}

export function keyByPath(section: string, key: string): ConfigKey | undefined {
  return BY_PATH.get(`${section}.${key}`);
}

/**
 * ARCADE_* variables that are not config keys but are read on purpose: by the platform, the
 * test command, or the `arcade-plugins` CLI (ARCADE_API_URL, ARCADE_TOKEN), which often share
 * a shell with `npm start`.
 */
export function isKnownExtraEnv(name: string): boolean {
  return (
    name === "ARCADE_CONFIG" ||
    name === "ARCADE_ADMIN_TOKEN" ||
    name === "ARCADE_API_URL" ||
    name === "ARCADE_TOKEN" ||
    name.startsWith("ARCADE_TEST_")
  );
}

/** `["auth", "tokens", 0, "role"]` -> `auth.tokens[0].role`. */
export function formatPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((out, s) => {
    if (typeof s === "number") return `${out}[${s}]`;
    return out === "" ? s : `${out}.${s}`;
  }, "");
}
