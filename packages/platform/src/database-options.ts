import type { ArcadeConfig } from "@arcade/config";
import type { DatabaseOptions } from "@arcade/db";

/**
 * The database of a loaded configuration, as every process of the platform connects to it
 * (the apps, and the migrate command). Its own module, so the migrate command does not load
 * the object store's SDK.
 */
export function databaseOptions(config: ArcadeConfig): DatabaseOptions {
  const db = config.database;
  if (db.type === "sqlite") return { type: "sqlite", path: db.sqlitePath };
  return {
    type: "mysql",
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    poolSize: db.poolSize,
    connectTimeoutMs: db.connectTimeout,
  };
}
