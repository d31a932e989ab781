import { readFileSync } from "node:fs";
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
    ...(db.ssl ? { ssl: db.sslCa === undefined ? true : { ca: readFileSync(db.sslCa, "utf8") } } : {}),
  };
}

/**
 * What a runtime node reads the desired state with: the same database as the user
 * `database.reader_user` (SELECT only), with a small pool; null when none is configured
 * (SQLite, or no reader user), and the node then reads through the process's own connection.
 */
export function readerDatabaseOptions(config: ArcadeConfig): DatabaseOptions | null {
  const main = databaseOptions(config);
  const { readerUser, readerPassword } = config.database;
  if (main.type !== "mysql" || readerUser === undefined) return null;
  return { ...main, user: readerUser, password: readerPassword ?? "", poolSize: 2 };
}
