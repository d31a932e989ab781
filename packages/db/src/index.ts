export type {
  DatabaseOptions,
  DataSourceDeps,
  MysqlDatabaseOptions,
  SqliteDatabaseOptions,
} from "./data-source.js";
export { createDataSource } from "./data-source.js";
export { type Database, openDatabase } from "./database.js";
export { isUnavailable, isUniqueViolation } from "./errors.js";
export type { DbLogger } from "./logger.js";
export { MIGRATIONS } from "./migrations/index.js";
