export type {
  DatabaseOptions,
  DataSourceDeps,
  MysqlDatabaseOptions,
  SqliteDatabaseOptions,
} from "./data-source.js";
export { createDataSource } from "./data-source.js";
export { type Database, openDatabase } from "./database.js";
export { isUnavailable, isUniqueViolation } from "./errors.js";
export { describePreview } from "./legacy/describe-preview.js";
export { LEGACY_CONFIG_BACKUP, LEGACY_PLUGIN_BACKUP } from "./legacy/legacy-tables.js";
export type { MigrationPreview, StartingPoint } from "./legacy/migration-preview.js";
export type { DbLogger } from "./logger.js";
export { IMPORT_MIGRATION_NAME, MIGRATIONS } from "./migrations/index.js";
/** Test support: a pre-refactor installation (the old tables and rows), for suites of other packages. */
export {
  OLD_CONFIG_ROWS,
  OLD_PLUGIN_ROWS,
  type PreRefactorState,
  seedPreRefactor,
} from "./testing/pre-refactor-fixture.js";
