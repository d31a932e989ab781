import type { DatabaseOptions } from "@arcade/db";

export const MIGRATE_USAGE = `usage: migrate [--sqlite PATH | --mysql URL | --config FILE] [--dry-run] [--drop-legacy] [--help]
Runs the pending database migrations of Arcade and logs every step. The plugin tables of a
pre-refactor Arcade installation are adopted in place: their rows are imported and the old
tables are kept as t_plugin_legacy_plugin / t_plugin_legacy_config.
  --dry-run      print what would change (tables, rows, mapped plugin types); change nothing
  --drop-legacy  after migrating, drop the t_plugin_legacy_* backups
Without --sqlite or --mysql the database is the platform's: arcade.toml (or --config FILE, or
the file in ARCADE_CONFIG) with the ARCADE_DATABASE_* variables over it, as npm start reads it.`;

export interface MigrateCommand {
  /** `--help`: print the usage and do nothing else. */
  help?: boolean;
  /** Explicit database, or null to take it from the platform's configuration. */
  database: DatabaseOptions | null;
  /** TOML file for the configuration (default: ARCADE_CONFIG, then ./arcade.toml). */
  configFile?: string;
  dryRun: boolean;
  dropLegacy: boolean;
}

/** `--sqlite PATH` / `--mysql URL` / `--config FILE`, `--dry-run`, `--drop-legacy`; throws with the usage. */
export function parseMigrateArgs(argv: readonly string[]): MigrateCommand {
  const command: MigrateCommand = { database: null, dryRun: false, dropLegacy: false };
  const bad = (why: string) => new Error(`${why}\n${MIGRATE_USAGE}`);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--help" || flag === "-h") {
      command.help = true;
      continue;
    }
    if (flag === "--dry-run") {
      command.dryRun = true;
      continue;
    }
    if (flag === "--drop-legacy") {
      command.dropLegacy = true;
      continue;
    }
    if (flag !== "--sqlite" && flag !== "--mysql" && flag !== "--config") throw bad(`unknown option ${flag}`);
    const value = argv[i + 1];
    if (value === undefined || value === "" || value.startsWith("--")) throw bad(`${flag} needs a value`);
    i += 1;
    if (flag === "--config") {
      command.configFile = value;
      continue;
    }
    if (command.database !== null) throw bad("give one database: --sqlite or --mysql");
    command.database = flag === "--sqlite" ? { type: "sqlite", path: value } : { type: "mysql", url: value };
  }
  if (command.database !== null && command.configFile !== undefined) {
    throw bad("--config names the database itself: give it, or --sqlite/--mysql, not both");
  }
  return command;
}

/** Where the migrations run, for messages: never prints a password. */
export function describeTarget(options: DatabaseOptions): string {
  if (options.type === "sqlite") return `sqlite ${options.path}`;
  if (options.url !== undefined) {
    const url = new URL(options.url);
    if (url.password !== "") url.password = "***";
    return `mysql ${url.toString()}`;
  }
  return `mysql ${options.user ?? ""}${options.user ? "@" : ""}${options.host ?? "127.0.0.1"}:${options.port ?? 3306}/${options.database ?? ""}`;
}
