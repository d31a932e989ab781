import "reflect-metadata";
import path from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import { ENTITIES } from "./entities/index.js";
import { type DbLogger, typeOrmLogger } from "./logger.js";
import { MIGRATIONS } from "./migrations/index.js";

/** The embedded default: one SQLite file (created with its folder if missing). */
export interface SqliteDatabaseOptions {
  type: "sqlite";
  path: string;
  /** How long a write waits for another process's write lock before failing. Default 5000. */
  busyTimeoutMs?: number;
}

/** MySQL 8 / MariaDB 10.11. Fields given beside `url` override the URL's parts. */
export interface MysqlDatabaseOptions {
  type: "mysql";
  /** mysql://user:password@host:port/database */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  connectTimeoutMs?: number;
  /**
   * TLS to the server, its certificate verified: `true` against the system's CAs (plus
   * NODE_EXTRA_CA_CERTS), or `{ ca }` (PEM text) against that bundle. Default off.
   */
  ssl?: boolean | { ca: string };
}

export type DatabaseOptions = SqliteDatabaseOptions | MysqlDatabaseOptions;

export interface DataSourceDeps {
  logger?: DbLogger;
}

/** Queries slower than this are logged as warnings. */
const SLOW_QUERY_MS = 1000;

interface MysqlCredentials {
  host: string;
  port: number;
  username?: string;
  password?: string;
  database?: string;
}

function mysqlCredentials(options: MysqlDatabaseOptions): MysqlCredentials {
  const fromUrl: Partial<MysqlCredentials> = {};
  if (options.url !== undefined) {
    const url = new URL(options.url);
    if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
      throw new Error(`database url must start with mysql:// or mariadb://, got ${url.protocol}//`);
    }
    if (url.hostname !== "") fromUrl.host = url.hostname;
    if (url.port !== "") fromUrl.port = Number(url.port);
    if (url.username !== "") fromUrl.username = decodeURIComponent(url.username);
    if (url.password !== "") fromUrl.password = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (database !== "") fromUrl.database = database;
  }
  const credentials: MysqlCredentials = {
    host: options.host ?? fromUrl.host ?? "127.0.0.1",
    port: options.port ?? fromUrl.port ?? 3306,
  };
  const username = options.user ?? fromUrl.username;
  const password = options.password ?? fromUrl.password;
  const database = options.database ?? fromUrl.database;
  if (username !== undefined) credentials.username = username;
  if (password !== undefined) credentials.password = password;
  if (database !== undefined) credentials.database = database;
  return credentials;
}

/**
 * Builds (does not connect) the TypeORM DataSource with every entity and migration.
 * `synchronize` stays off: the schema comes from migrations only.
 */
export function createDataSource(options: DatabaseOptions, deps: DataSourceDeps = {}): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: "each",
    synchronize: false,
    maxQueryExecutionTime: SLOW_QUERY_MS,
    ...(deps.logger === undefined ? { logging: false } : { logger: typeOrmLogger(deps.logger) }),
  } as const;

  if (options.type === "sqlite") {
    const database = options.path === ":memory:" ? options.path : path.resolve(options.path);
    const config: DataSourceOptions = {
      ...common,
      type: "better-sqlite3",
      database,
      // better-sqlite3's `timeout` is SQLite's busy_timeout; foreign_keys=ON is set by TypeORM.
      timeout: options.busyTimeoutMs ?? 5000,
      enableWAL: database !== ":memory:",
    };
    return new DataSource(config);
  }

  if (options.type !== "mysql") {
    throw new Error(`unknown database type ${String((options as { type: unknown }).type)}`);
  }
  const config: DataSourceOptions = {
    ...common,
    type: "mysql",
    ...mysqlCredentials(options),
    poolSize: options.poolSize ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // Dates go over the wire in UTC whatever the server's or this process's time zone.
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(options.ssl
      ? { ssl: { rejectUnauthorized: true, ...(options.ssl === true ? {} : { ca: options.ssl.ca }) } }
      : {}),
  };
  return new DataSource(config);
}
