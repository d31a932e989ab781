import { type DataSource, MigrationExecutor } from "typeorm";
import { guard, toDbError, unavailable } from "./errors.js";
import type { DbSession } from "./session.js";

/** Seconds a process waits for another one's migrations on MySQL before giving up. */
const MYSQL_LOCK_WAIT_S = 30;

/**
 * Runs pending migrations and returns their names; safe when several processes start at once.
 * - MySQL/MariaDB: a named server lock (GET_LOCK) held on the connection that runs them, so
 *   the second process waits and then finds nothing pending. The name includes the database:
 *   two installations on one server do not wait on each other. Each migration runs in its own
 *   transaction (MySQL DDL commits implicitly anyway).
 * - SQLite: all pending migrations run inside one BEGIN IMMEDIATE transaction, which holds the
 *   file's write lock across processes (others wait up to busy_timeout), and SQLite DDL is
 *   transactional, so a failed migration leaves nothing behind.
 */
export function runMigrations(session: DbSession): Promise<string[]> {
  return guard(async () => {
    session.assertOpen();
    return session.kind === "sqlite" ? migrateSqlite(session) : migrateMysql(session.dataSource);
  });
}

async function migrateSqlite(session: DbSession): Promise<string[]> {
  return session.exclusive(async () => {
    const runner = session.dataSource.createQueryRunner();
    await runner.query("BEGIN IMMEDIATE");
    try {
      const executor = new MigrationExecutor(session.dataSource, runner);
      executor.transaction = "none";
      const done = await executor.executePendingMigrations();
      await runner.query("COMMIT");
      return done.map((m) => m.name);
    } catch (error) {
      await runner.query("ROLLBACK").catch(() => undefined);
      throw toDbError(error);
    }
  });
}

async function migrateMysql(dataSource: DataSource): Promise<string[]> {
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
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = "each";
      const done = await executor.executePendingMigrations();
      return done.map((m) => m.name);
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(${lockName})`).catch(() => undefined);
    }
  } finally {
    await runner.release().catch(() => undefined);
  }
}
