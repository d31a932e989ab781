/**
 * `tsx packages/db/src/bin/migrate.ts [--sqlite PATH | --mysql URL]`: runs pending migrations.
 * Exit codes: 0 done (or nothing pending), 1 failed, 2 bad arguments.
 */
import { isAppError } from "@arcade/core";
import { openDatabase } from "../database.js";
import { describeTarget, parseMigrateArgs } from "./migrate-args.js";

async function main(): Promise<number> {
  let options: ReturnType<typeof parseMigrateArgs>;
  try {
    options = parseMigrateArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }

  const target = describeTarget(options);
  console.log(`migrate: connecting to ${target}`);
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(options);
  } catch (error) {
    console.error(`migrate: cannot open ${target}: ${messageOf(error)}`);
    console.error("migrate: check that the database server runs and the address and credentials are right");
    return 1;
  }

  try {
    console.log("migrate: running pending migrations (waits if another process is migrating)");
    const names = await db.migrate();
    if (names.length === 0) console.log("migrate: nothing pending, schema is up to date");
    for (const name of names) console.log(`migrate: applied ${name}`);
    console.log(`migrate: done (${names.length} applied)`);
    return 0;
  } catch (error) {
    console.error(`migrate: failed: ${messageOf(error)}`);
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
