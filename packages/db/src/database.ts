import path from "node:path";
import type { JobRepo, PluginRepo, RolloutCommandStore } from "@arcade/core";
import { Mutex } from "@arcade/core";
import type { DataSource } from "typeorm";
import { createDataSource, type DatabaseOptions, type DataSourceDeps } from "./data-source.js";
import { guard } from "./errors.js";
import { type MigrationPreview, previewMigrations } from "./legacy/migration-preview.js";
import { dropLegacyTables, runMigrations } from "./migrate.js";
import { attachMigrationLog } from "./migration-log.js";
import { mutexForFile } from "./mutex.js";
import { TypeOrmJobRepo } from "./repos/job-repo.js";
import { TypeOrmPluginRepo } from "./repos/plugin-repo.js";
import { TypeOrmRolloutCommandRepo } from "./repos/rollout-command-repo.js";
import { DbSession } from "./session.js";

export interface Database {
  readonly kind: "sqlite" | "mysql";
  readonly dataSource: DataSource;
  readonly plugins: PluginRepo;
  readonly jobs: JobRepo;
  /** Operators' commands to running rollouts (the job row's rollout_command). */
  readonly rolloutCommands: RolloutCommandStore;
  /** Runs pending migrations (safe when processes race); returns the names it ran. */
  migrate(): Promise<string[]>;
  /** What migrate() would do (tables, rows, mapped types), found by reading only: the dry run. */
  previewMigrations(): Promise<MigrationPreview>;
  /** Drops the backups of adopted pre-refactor tables; refused until their rows are imported. */
  dropLegacyTables(): Promise<{ table: string; rows: number }[]>;
  /** Closes the connection(s); repo calls afterwards fail with DATABASE_UNAVAILABLE. */
  close(): Promise<void>;
}

/**
 * Connects and returns the repos. Does not migrate: the caller runs `migrate()` at start.
 * An unreachable server rejects with DATABASE_UNAVAILABLE.
 */
export async function openDatabase(options: DatabaseOptions, deps: DataSourceDeps = {}): Promise<Database> {
  const dataSource = createDataSource(options, deps);
  try {
    await guard(() => dataSource.initialize());
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw error;
  }

  const lock =
    options.type !== "sqlite"
      ? null
      : options.path === ":memory:"
        ? new Mutex()
        : mutexForFile(path.resolve(options.path));
  const session = new DbSession(dataSource, options.type, lock);
  attachMigrationLog(dataSource, deps.logger);

  return {
    kind: options.type,
    dataSource,
    plugins: new TypeOrmPluginRepo(session),
    jobs: new TypeOrmJobRepo(session),
    rolloutCommands: new TypeOrmRolloutCommandRepo(session),
    migrate: () => runMigrations(session),
    previewMigrations: () =>
      guard(() =>
        session.exclusive(async () => {
          session.assertOpen();
          const runner = dataSource.createQueryRunner();
          try {
            return await previewMigrations(runner);
          } finally {
            // better-sqlite3 hands out its one shared runner: releasing it would close nothing useful.
            if (options.type === "mysql") await runner.release().catch(() => undefined);
          }
        }),
      ),
    dropLegacyTables: () => dropLegacyTables(session),
    async close() {
      if (!dataSource.isInitialized) return;
      session.markClosed();
      // Let queued SQLite work finish rather than pulling the connection from under it.
      await session.exclusive(() => dataSource.destroy());
    },
  };
}
