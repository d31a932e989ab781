import type { ConfigIssue } from "./config-error.js";
import { formatPath, keyByPath } from "./config-keys.js";
import type { EnvOverride } from "./env-overrides.js";

type Segment = string | number;

export type ValueSource = "env" | "file" | "default";

function valueAt(data: unknown, segments: readonly Segment[]): unknown {
  let current = data;
  for (const s of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<Segment, unknown>)[s];
  }
  return current;
}

function display(value: unknown, secret: boolean): string {
  if (secret) return "<hidden>";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Knows where each value came from (TOML file, env var or default), so an error can name
 * the key in both spellings and quote the value as the user wrote it.
 */
export class ConfigOrigins {
  private readonly byPath: Map<string, EnvOverride>;

  constructor(
    readonly filePath: string | undefined,
    private readonly fileData: Record<string, unknown>,
    overrides: readonly EnvOverride[],
  ) {
    this.byPath = new Map(overrides.map((o) => [o.key.path, o]));
  }

  sourceOf(section: string, key: string): ValueSource {
    if (this.byPath.has(`${section}.${key}`)) return "env";
    return valueAt(this.fileData, [section, key]) === undefined ? "default" : "file";
  }

  /** The file's own value at `segments`, before any env override; undefined when it has none. */
  fromFile(segments: readonly Segment[]): unknown {
    return valueAt(this.fileData, segments);
  }

  /** Where the file is, for messages: ` in /etc/arcade.toml`. */
  get where(): string {
    return this.filePath ? ` in ${this.filePath}` : "";
  }

  /**
   * One line naming the key (TOML and env spelling), the bad value and what is allowed:
   * `ARCADE_SERVER_PORT="abc" (server.port): must be an integer from 1 to 65535`.
   * `value` is needed only for a value that came from neither the file nor the env (a default).
   */
  issue(
    segments: readonly Segment[],
    allowed: string,
    options: { secret?: boolean; missing?: boolean; value?: unknown } = {},
  ): ConfigIssue {
    const [section, key] = segments;
    const path = formatPath(segments);
    const configKey =
      typeof section === "string" && typeof key === "string" ? keyByPath(section, key) : undefined;
    const override = configKey ? this.byPath.get(configKey.path) : undefined;
    const secret = options.secret ?? false;
    const must = `must be ${allowed}`;

    if (override && configKey) {
      const nested = segments.slice(2);
      if (nested.length === 0) {
        const shown = display(override.raw, secret);
        return {
          key: path,
          env: configKey.env,
          source: "env",
          message: `${configKey.env}=${shown} (${path}): ${must}`,
        };
      }
      const shown = options.missing ? " is missing" : `=${display(valueAt(override.value, nested), secret)}`;
      return {
        key: path,
        env: configKey.env,
        source: "env",
        message: `${configKey.env} (${path}${shown}): ${must}`,
      };
    }

    const fromFile = valueAt(this.fileData, segments);
    const value = fromFile === undefined ? options.value : fromFile;
    const shown = options.missing ? " is missing" : `=${display(value, secret)}`;
    const isDefault = !options.missing && fromFile === undefined;
    const envPart = configKey ? ` (${configKey.env}${isDefault ? ", the default" : ""})` : "";
    const wherePart = isDefault ? "" : this.where;
    return {
      key: path,
      ...(configKey ? { env: configKey.env } : {}),
      source: isDefault ? "default" : "file",
      message: `${path}${shown}${envPart}${wherePart}: ${must}`,
    };
  }
}
