import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./config-error.js";
import type { Env } from "./env-overrides.js";

export const DEFAULT_CONFIG_FILE = "arcade.toml";

export interface ConfigFile {
  /** Absolute path of the file read, or undefined when running on defaults and env alone. */
  path: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Find and parse the TOML file: the `file` option, else `ARCADE_CONFIG`, else `arcade.toml`
 * in the working directory if there is one. A file that was asked for by name must exist.
 */
export function readConfigFile(file: string | undefined, env: Env, cwd: string): ConfigFile {
  const named = file ?? (env.ARCADE_CONFIG || undefined);
  const path = resolve(cwd, named ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (named === undefined) return { path: undefined, data: {} };
    const from = file === undefined ? "ARCADE_CONFIG" : "the file option";
    throw new ConfigError([{ message: `config file ${path} (from ${from}) does not exist` }]);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([{ message: `config file ${path} cannot be read: ${(error as Error).message}` }]);
  }
  try {
    return { path, data: parse(text, { unsafeKeyBehaviour: "throw" }) as Record<string, unknown> };
  } catch (error) {
    const where = error instanceof TomlError ? `:${error.line}:${error.column}` : "";
    const reason = (error as Error).message.split("\n")[0];
    throw new ConfigError([{ message: `config file ${path}${where} is not valid TOML: ${reason}` }]);
  }
}

export function configDir(file: ConfigFile, cwd: string): string {
  return file.path === undefined ? cwd : dirname(file.path);
}
