import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import { FsObjectStore, S3ObjectStore } from "@arcade/storage";

/** A database and an object store of their own, and how to throw both away. */
export interface BackendResources {
  database: Database;
  store: ObjectStore;
  /** A scratch folder of this suite (worker work dir, SQLite file, fs objects). */
  dir: string;
  dispose(): Promise<void>;
}

export interface OpenOptions {
  /** Runs on the fresh database before its migrations (e.g. to build a pre-refactor installation). */
  beforeMigrate?: (database: Database) => Promise<void>;
}

export interface Backend {
  name: string;
  /** Why this backend cannot run here (a service address is missing), or undefined. */
  skip: string | undefined;
  open(options?: OpenOptions): Promise<BackendResources>;
}

const random = () => randomBytes(5).toString("hex");

async function scratchDir(): Promise<string> {
  const base = process.env.ARCADE_TEST_DATA_DIR || tmpdir();
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, "worker-int-"));
}

/** The embedded defaults: a SQLite file and a filesystem object store. */
export const sqliteFs: Backend = {
  name: "sqlite + filesystem",
  skip: undefined,
  async open(options = {}) {
    const dir = await scratchDir();
    const database = await openDatabase({ type: "sqlite", path: join(dir, "arcade.db") });
    await options.beforeMigrate?.(database);
    await database.migrate();
    return {
      database,
      store: new FsObjectStore({ root: join(dir, "objects") }),
      dir,
      async dispose() {
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const mysqlUrl = process.env.ARCADE_TEST_MYSQL_URL;
const s3Endpoint = process.env.ARCADE_TEST_S3_ENDPOINT;
const s3Bucket = process.env.ARCADE_TEST_S3_BUCKET;

/** MariaDB (a fresh `arcade_<random>` database, dropped afterwards) and s3rver (own key prefix). */
export const mariadbS3: Backend = {
  name: "mariadb + s3",
  skip:
    !mysqlUrl || !s3Endpoint || !s3Bucket
      ? "ARCADE_TEST_MYSQL_URL, ARCADE_TEST_S3_ENDPOINT or ARCADE_TEST_S3_BUCKET is unset"
      : undefined,
  async open(options = {}) {
    const name = `arcade_wk_${random()}`;
    const admin = await openDatabase({ type: "mysql", url: mysqlUrl!, poolSize: 1 });
    try {
      await admin.dataSource.query(
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await admin.close();
    }
    const url = new URL(mysqlUrl!);
    url.pathname = `/${name}`;
    const database = await openDatabase({ type: "mysql", url: url.toString(), poolSize: 6 });
    await options.beforeMigrate?.(database);
    await database.migrate();
    const store = new S3ObjectStore({
      endpoint: s3Endpoint,
      region: "us-east-1",
      bucket: s3Bucket!,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
      keyPrefix: `worker-int-${random()}`,
    });
    const dir = await scratchDir();
    return {
      database,
      store,
      dir,
      async dispose() {
        await store.deleteByPrefix("plugins/").catch(() => 0);
        await store.deleteByPrefix("staging/").catch(() => 0);
        await database.close();
        const drop = await openDatabase({ type: "mysql", url: mysqlUrl!, poolSize: 1 });
        try {
          await drop.dataSource.query(`DROP DATABASE IF EXISTS \`${name}\``);
        } finally {
          await drop.close();
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteFs, mariadbS3];
