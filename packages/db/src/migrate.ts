import { type DataSource, MigrationExecutor, type QueryRunner } from "typeorm";
import { guard, toDbError, unavailable } from "./errors.js";
import { LEGACY_CONFIG_BACKUP, LEGACY_PLUGIN_BACKUP } from "./legacy/legacy-tables.js";
import { countRows, quoteName, tableExists } from "./legacy/schema-probe.js";
import { migrationLog } from "./migration-log.js";
import { driverKindOf } from "./migrations/column-kit.js";
import { IMPORT_MIGRATION_NAME } from "./migrations/index.js";
import type { DbSession } from "./session.js";

/** Seconds a process waits for another one's migrations on MySQL before giving up. */
const MYSQL_LOCK_WAIT_S = 30;

/**
 * Runs pending migrations and returns their names; safe when several processes start at once.
 * - MySQL/MariaDB: a named server lock (GET_LOCK) held on the connection that runs them, so
 *   the second process waits and then finds nothing pending. The name includes the database:
 *   two installations on one server do not wait on each other. Each migration runs in its own
 *   transaction (MySQL DDL commits implicitly anyway, which is why every step that changes
 *   the schema first checks whether it already did).
 * - SQLite: all pending migrations run inside one BEGIN IMMEDIATE transaction, which holds the
 *   file's write lock across processes (others wait up to busy_timeout), and SQLite DDL is
 *   transactional, so a failed migration leaves nothing behind.
 */
export function runMigrations(session: DbSession): Promise<string[]> {
  return withMigrationLock(session, async (runner) => {
    const executor = new MigrationExecutor(session.dataSource, runner);
    executor.transaction = session.kind === "sqlite" ? "none" : "each";
    const done = await executor.executePendingMigrations();
    return done.map((m) => m.name);
  });
}

/**
 * Drops the backups of the pre-refactor tables (t_plugin_legacy_*), under the migration lock.
 * Refused until the import has run, so the only copy of old rows is never dropped.
 */
export function dropLegacyTables(session: DbSession): Promise<{ table: string; rows: number }[]> {
  return withMigrationLock(session, async (runner) => {
    const log = migrationLog(session.dataSource);
    if (!(await executedMigrations(runner)).includes(IMPORT_MIGRATION_NAME)) {
      throw new Error(
        `the pre-refactor rows have not been imported yet (${IMPORT_MIGRATION_NAME} is pending): run the migrations first; nothing was dropped`,
      );
    }
    const dropped: { table: string; rows: number }[] = [];
    for (const table of [LEGACY_PLUGIN_BACKUP, LEGACY_CONFIG_BACKUP]) {
      if (!(await tableExists(runner, table))) continue;
      const rows = await countRows(runner, table);
      await runner.query(`DROP TABLE ${quoteName(driverKindOf(runner), table)}`);
      log.step(`dropped ${table}`, { table, rows });
      dropped.push({ table, rows });
    }
    if (dropped.length === 0) log.step("no backups of pre-refactor tables to drop");
    return dropped;
  });
}

/** Names of the migrations recorded as done; none when TypeORM's table does not exist yet. Reads only. */
export async function executedMigrations(runner: QueryRunner): Promise<string[]> {
  const table = runner.connection.options.migrationsTableName ?? "migrations";
  if (!(await tableExists(runner, table))) return [];
  const rows: { name: string }[] = await runner.query(
    `SELECT name FROM ${quoteName(driverKindOf(runner), table)} ORDER BY id`,
  );
  return rows.map((r) => r.name);
}

/** `work` on one connection while this process holds the migration lock (see runMigrations). */
export function withMigrationLock<T>(
  session: DbSession,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  return guard(async () => {
    session.assertOpen();
    return session.kind === "sqlite" ? lockSqlite(session, work) : lockMysql(session.dataSource, work);
  });
}

async function lockSqlite<T>(session: DbSession, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  return session.exclusive(async () => {
    const runner = session.dataSource.createQueryRunner();
    await runner.query("BEGIN IMMEDIATE");
    try {
      const result = await work(runner);
      await runner.query("COMMIT");
      return result;
    } catch (error) {
      await runner.query("ROLLBACK").catch(() => undefined);
      throw toDbError(error);
    }
  });
}

async function lockMysql<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    const lockName = "LEFT(CONCAT('arcade_migrations:', DATABASE()), 64)";
    const rows: { locked: number | string | null }[] = await runner.query(
      `SELECT GET_LOCK(${lockName}, ${MYSQL_LOCK_WAIT_S}) AS locked`,
    );
    if (Number(rows[0]?.locked) !== 1) {
      throw unavailable(
        `another process held the migration lock for ${MYSQL_LOCK_WAIT_S}s; retry when its migrations are done`,
      );
    }
    try {
      return await work(runner);
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(${lockName})`).catch(() => undefined);
    }
  } finally {
    await runner.release().catch(() => undefined);
  }
}
