import type { QueryRunner, Table } from "typeorm";
import { columnsOf } from "../legacy/schema-probe.js";
import { migrationLog } from "../migration-log.js";

/**
 * CREATE TABLE unless the table is already there, so a migration that stopped half way on
 * MySQL (where every CREATE commits on its own) can simply run again. A table of that name
 * that lacks the columns is not ours: refuse rather than build on it.
 */
export async function createTableOnce(runner: QueryRunner, table: Table): Promise<void> {
  const existing = await columnsOf(runner, table.name);
  const log = migrationLog(runner.connection);
  if (existing.size === 0) {
    await runner.createTable(table);
    log.step(`created ${table.name}`);
    return;
  }
  const missing = table.columns.map((c) => c.name).filter((name) => !existing.has(name.toLowerCase()));
  if (missing.length > 0) {
    throw new Error(
      `table ${table.name} exists but lacks ${missing.join(", ")}: it is not this platform's table. ` +
        "Rename or drop it, then run the migration again.",
    );
  }
  log.step(`${table.name} is already there`);
}
