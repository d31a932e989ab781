/**
 * `migrate [--sqlite PATH | --mysql URL | --config FILE] [--dry-run] [--drop-legacy]`
 * (`npm run migrate -- ...` from the repository root): runs the pending migrations, adopting
 * the tables of a pre-refactor installation. Exit codes: 0 done (or nothing pending),
 * 1 failed, 2 bad arguments or configuration.
 */
import { existsSync } from "node:fs";
import { loadConfig } from "@arcade/config";
import { isAppError } from "@arcade/core";
import {
  type Database,
  type DatabaseOptions,
  type DbLogger,
  describePreview,
  openDatabase,
} from "@arcade/db";
import { databaseOptions } from "../database-options.js";
import { describeTarget, MIGRATE_USAGE, type MigrateCommand, parseMigrateArgs } from "./migrate-args.js";

const say = (line: string) => console.log(`migrate: ${line}`);

/** Structured step logs as terminal lines: `migrate: <message> key=value ...`. */
function terminalLogger(): DbLogger {
  const write =
    (prefix: string) =>
    (first: string | object, message?: string): void => {
      if (typeof first === "string") {
        say(`${prefix}${first}`);
        return;
      }
      const fields = Object.entries(first)
        .filter(([key]) => key !== "component")
        .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
      say(`${prefix}${message ?? ""}${fields.length > 0 ? ` (${fields.join(" ")})` : ""}`);
    };
  return { debug: () => {}, info: write(""), warn: write("warning: ") };
}

function resolveDatabase(command: MigrateCommand): DatabaseOptions {
  if (command.database !== null) return command.database;
  const config = loadConfig(command.configFile === undefined ? {} : { file: command.configFile });
  if (config.file !== undefined) say(`configuration from ${config.file} and ARCADE_* variables`);
  else say("configuration from ARCADE_* variables and the defaults (no arcade.toml)");
  const options = databaseOptions(config);
  // One migrating process needs few connections, whatever pool the platform's processes use.
  return options.type === "mysql" ? { ...options, poolSize: 2 } : options;
}

async function run(db: Database, command: MigrateCommand): Promise<void> {
  if (command.dryRun) {
    say("dry run: nothing will be changed");
    for (const line of describePreview(await db.previewMigrations(), { dropLegacy: command.dropLegacy })) {
      say(line);
    }
    return;
  }
  say("running pending migrations (waits if another process is migrating)");
  const names = await db.migrate();
  if (names.length === 0) say("nothing pending, schema is up to date");
  for (const name of names) say(`applied ${name}`);
  say(`done (${names.length} applied)`);
  if (command.dropLegacy) {
    const dropped = await db.dropLegacyTables();
    say(
      dropped.length === 0
        ? "no t_plugin_legacy_* backups to drop"
        : `dropped ${dropped.map((d) => `${d.table} (${d.rows} rows)`).join(", ")}`,
    );
  }
}

async function main(): Promise<number> {
  let command: MigrateCommand;
  let options: DatabaseOptions;
  try {
    command = parseMigrateArgs(process.argv.slice(2));
    if (command.help) {
      console.log(MIGRATE_USAGE);
      return 0;
    }
    options = resolveDatabase(command);
  } catch (error) {
    console.error(messageOf(error));
    return 2;
  }

  const target = describeTarget(options);
  if (
    command.dryRun &&
    options.type === "sqlite" &&
    options.path !== ":memory:" &&
    !existsSync(options.path)
  ) {
    // Opening would create the file: a dry run must leave even that alone.
    say(`dry run: nothing will be changed; there is no database at ${options.path} yet`);
    say("starting point: no database file: the migration would create it with this platform's tables");
    return 0;
  }
  say(`connecting to ${target}`);
  let db: Database;
  try {
    db = await openDatabase(options, { logger: terminalLogger() });
  } catch (error) {
    console.error(`migrate: cannot open ${target}: ${messageOf(error)}`);
    console.error("migrate: check that the database server runs and the address and credentials are right");
    return 1;
  }
  try {
    await run(db, command);
    return 0;
  } catch (error) {
    console.error(`migrate: failed: ${messageOf(error)}`);
    console.error("migrate: every step checks what is already done: fix the cause and run it again");
    return 1;
  } finally {
    await db.close();
  }
}

function messageOf(error: unknown): string {
  if (isAppError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

process.exitCode = await main();
