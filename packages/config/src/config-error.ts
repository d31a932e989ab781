/** One problem found while loading the configuration. */
export interface ConfigIssue {
  /** The whole readable line, e.g. `ARCADE_SERVER_PORT="abc" (server.port): must be an integer from 1 to 65535`. */
  message: string;
  /** TOML spelling of the key, e.g. `server.port` or `auth.tokens[0].role`. */
  key?: string;
  /** Env spelling of the key, e.g. `ARCADE_SERVER_PORT`. */
  env?: string;
  /** Where the bad value came from. */
  source?: "file" | "env" | "default";
}

/**
 * The configuration cannot be used. Thrown at start, before anything connects; the message
 * lists every problem at once (one per line) so a deploy needs one fix round, not ten.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => i.message).join("\n") || "invalid configuration");
    this.name = "ConfigError";
    this.issues = issues;
  }
}
