import type { DataSource } from "typeorm";
import type { DbLogger } from "./logger.js";

/**
 * Where migration steps log. TypeORM constructs the migration classes itself, so the logger
 * given to openDatabase is found through the DataSource they run on.
 */
export interface MigrationLog {
  step(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

const silent: MigrationLog = { step() {}, warn() {} };
const logs = new WeakMap<DataSource, MigrationLog>();

export function attachMigrationLog(dataSource: DataSource, logger: DbLogger | undefined): void {
  if (logger === undefined) return;
  logs.set(dataSource, {
    step: (message, fields = {}) => logger.info({ component: "migrate", ...fields }, message),
    warn: (message, fields = {}) => logger.warn({ component: "migrate", ...fields }, message),
  });
}

export function migrationLog(dataSource: DataSource): MigrationLog {
  return logs.get(dataSource) ?? silent;
}
