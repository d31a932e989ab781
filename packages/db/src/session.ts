import { AsyncLocalStorage } from "node:async_hooks";
import type { Mutex } from "@arcade/core";
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import { guard, toDbError, unavailable } from "./errors.js";

export type DriverKind = "mysql" | "sqlite";

/**
 * How repos reach the database. Owns the two driver differences that matter above SQL:
 *
 * - SQLite (better-sqlite3) has ONE connection per DataSource, shared by every caller. So all
 *   work is queued on a per-file mutex, and a transaction holds it from BEGIN to COMMIT;
 *   otherwise another caller's statement would run inside (and roll back with) someone
 *   else's transaction. Transactions start with BEGIN IMMEDIATE, taking the write lock up
 *   front: a deferred transaction that reads first and writes later fails at once with
 *   SQLITE_BUSY when another process wrote in between, where an immediate one simply waits.
 * - MySQL uses a pool: plain calls take any connection, a transaction pins one.
 */
export class DbSession {
  private closed = false;
  /** The manager of the SQLite transaction running in this async context (for re-entry). */
  private readonly inTransaction = new AsyncLocalStorage<EntityManager>();

  constructor(
    readonly dataSource: DataSource,
    readonly kind: DriverKind,
    private readonly lock: Mutex | null,
  ) {}

  /** Runs reads or single statements outside a transaction; failures mapped at this boundary. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return guard(async () => {
      this.assertOpen();
      const current = this.inTransaction.getStore();
      // A call made from inside this session's own SQLite transaction must not queue behind it.
      if (current !== undefined) return work(current);
      if (this.lock === null) return work(this.dataSource.manager);
      return this.lock.run(() => work(this.dataSource.manager));
    });
  }

  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Errors thrown by `work` itself pass through untouched (the repo methods it calls map their
   * own); only BEGIN/COMMIT failures are mapped here.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.kind === "sqlite") return this.sqliteTransaction(work);
    return this.mysqlTransaction(work);
  }

  /** Serialises `work` with every other use of this SQLite file, or runs it directly on MySQL. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock === null ? work() : this.lock.run(work);
  }

  /** Converts a value the way TypeORM would store it in that column (dates above all). */
  toColumnValue(entity: EntityTarget<ObjectLiteral>, property: string, value: unknown): unknown {
    const column = this.dataSource.getMetadata(entity).findColumnWithPropertyName(property);
    if (column === undefined) throw new Error(`no column for property ${property}`);
    return this.dataSource.driver.preparePersistentValue(value, column);
  }

  markClosed(): void {
    this.closed = true;
  }

  assertOpen(): void {
    if (this.closed || !this.dataSource.isInitialized) {
      throw unavailable("database connection is closed");
    }
  }

  private async sqliteTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // Nested: join the running transaction (no savepoint; its failure fails the outer one).
    const outer = this.inTransaction.getStore();
    if (outer !== undefined) return work(outer);
    return this.exclusive(async () => {
      // better-sqlite3's DataSource hands out the same runner every time.
      const runner = this.dataSource.createQueryRunner();
      await guard(() => runner.query("BEGIN IMMEDIATE"));
      let result: T;
      try {
        result = await this.inTransaction.run(runner.manager, () => work(runner.manager));
      } catch (error) {
        await runner.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      try {
        await runner.query("COMMIT");
      } catch (error) {
        await runner.query("ROLLBACK").catch(() => undefined);
        throw toDbError(error);
      }
      return result;
    });
  }

  private async mysqlTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await guard(async () => {
        await runner.connect();
        await runner.startTransaction();
      });
      let result: T;
      try {
        result = await work(runner.manager);
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      await guard(() => runner.commitTransaction());
      return result;
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
}
