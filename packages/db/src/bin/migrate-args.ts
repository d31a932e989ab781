import type { DatabaseOptions } from "../data-source.js";

export const MIGRATE_USAGE = `usage: migrate [--sqlite PATH | --mysql URL]
Runs the pending database migrations of Arcade and prints their names.
Without arguments it reads ARCADE_DATABASE_TYPE (sqlite|mysql), ARCADE_DATABASE_SQLITE_PATH,
ARCADE_DATABASE_URL and ARCADE_DATABASE_HOST/PORT/USER/PASSWORD/DATABASE.`;

/** Database options from `--sqlite PATH` / `--mysql URL`, else from ARCADE_DATABASE_* variables. */
export function parseMigrateArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DatabaseOptions {
  const [flag, value, ...rest] = argv;
  if (flag !== undefined) {
    if (rest.length > 0 || value === undefined || value === "") {
      throw new Error(`expected one option with a value\n${MIGRATE_USAGE}`);
    }
    if (flag === "--sqlite") return { type: "sqlite", path: value };
    if (flag === "--mysql") return { type: "mysql", url: value };
    throw new Error(`unknown option ${flag}\n${MIGRATE_USAGE}`);
  }

  const type = env.ARCADE_DATABASE_TYPE ?? "sqlite";
  if (type === "sqlite") {
    return { type: "sqlite", path: env.ARCADE_DATABASE_SQLITE_PATH ?? ".data/arcade.db" };
  }
  if (type !== "mysql") {
    throw new Error(`ARCADE_DATABASE_TYPE must be sqlite or mysql, got ${type}`);
  }
  const options: DatabaseOptions = { type: "mysql" };
  if (env.ARCADE_DATABASE_URL) options.url = env.ARCADE_DATABASE_URL;
  if (env.ARCADE_DATABASE_HOST) options.host = env.ARCADE_DATABASE_HOST;
  if (env.ARCADE_DATABASE_PORT) {
    const port = Number(env.ARCADE_DATABASE_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`ARCADE_DATABASE_PORT must be a port number, got ${env.ARCADE_DATABASE_PORT}`);
    }
    options.port = port;
  }
  if (env.ARCADE_DATABASE_USER) options.user = env.ARCADE_DATABASE_USER;
  if (env.ARCADE_DATABASE_PASSWORD !== undefined) options.password = env.ARCADE_DATABASE_PASSWORD;
  if (env.ARCADE_DATABASE_DATABASE) options.database = env.ARCADE_DATABASE_DATABASE;
  return options;
}

/** Where the migrations run, for messages: never prints a password. */
export function describeTarget(options: DatabaseOptions): string {
  if (options.type === "sqlite") return `sqlite ${options.path}`;
  if (options.url !== undefined) {
    const url = new URL(options.url);
    if (url.password !== "") url.password = "***";
    return `mysql ${url.toString()}`;
  }
  return `mysql ${options.host ?? "127.0.0.1"}:${options.port ?? 3306}/${options.database ?? ""}`;
}
