import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import {
  type DatabaseKind,
  S3_TEST_CREDENTIALS,
  type S3Target,
  type StorageKind,
  serviceAddresses,
} from "./service-env.js";

/**
 * The per-platform slices of the shared services: a MariaDB database, an S3 key prefix, a Redis
 * key prefix. Each is unique per platform so suites can run side by side, and each is removed
 * again by `release()`.
 */
export interface PlatformResources {
  /** ARCADE_* variables every process of the platform gets for database, storage and Redis. */
  env: Record<string, string>;
  redisPrefix: string;
  mysqlDatabase: string | null;
  s3: { bucket: string; keyPrefix: string } | null;
  /** Object keys under `prefix` (no store prefix), sorted; see Platform.listObjects. */
  listObjects(prefix: string): Promise<string[]>;
  release(): Promise<void>;
}

const MAX_LIST_PAGES = 100;
const MAX_SCAN_ROUNDS = 10_000;

function s3Client(target: S3Target): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    // With the SDK's default checksums s3rver stores the aws-chunked framing (stack notes).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

async function listS3(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    if (!out.IsTruncated || !out.NextContinuationToken) return keys;
    token = out.NextContinuationToken;
  }
  throw new Error(`listing s3://${bucket}/${prefix} took more than ${MAX_LIST_PAGES} pages`);
}

/** Files under the filesystem store's root, as keys; the store's `.meta.json` sidecars are left out. */
async function listFs(root: string, prefix: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile() && !e.name.includes(".meta.json"))
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((key) => key.startsWith(prefix));
}

export async function acquireResources(options: {
  id: string;
  database: DatabaseKind;
  storage: StorageKind;
  /** Shared data dir of a sqlite/fs platform: the fs store lives in <dataDir>/objects. */
  dataDir: string;
  /** storage "s3" on this server and key instead of the run's s3rver. */
  s3?: S3Target;
}): Promise<PlatformResources> {
  const services = serviceAddresses();
  if (!services.redisUrl) throw new Error("ARCADE_TEST_REDIS_URL is not set");
  const redisPrefix = `arcade-e2e-${options.id}`;
  const env: Record<string, string> = {
    ARCADE_REDIS_URL: services.redisUrl,
    ARCADE_REDIS_KEY_PREFIX: redisPrefix,
  };
  const releases: (() => Promise<void>)[] = [];
  const release = async () => {
    const errors: unknown[] = [];
    for (const step of releases.reverse()) await step().catch((error: unknown) => errors.push(error));
    releases.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, "releasing the platform's resources failed");
  };
  releases.push(() => deleteRedisKeys(services.redisUrl!, redisPrefix));

  try {
    let mysqlDatabase: string | null = null;
    if (options.database === "mysql") {
      if (!services.mysqlUrl) throw new Error("ARCADE_TEST_MYSQL_URL is not set");
      mysqlDatabase = `arcade_e2e_${options.id}`;
      const connection = await mysql.createConnection(services.mysqlUrl);
      try {
        await connection.query(`CREATE DATABASE \`${mysqlDatabase}\``);
      } finally {
        await connection.end();
      }
      const name = mysqlDatabase;
      releases.push(async () => {
        const c = await mysql.createConnection(services.mysqlUrl!);
        try {
          await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        } finally {
          await c.end();
        }
      });
      const url = new URL(services.mysqlUrl);
      url.pathname = `/${mysqlDatabase}`;
      env.ARCADE_DATABASE_TYPE = "mysql";
      env.ARCADE_DATABASE_URL = url.toString();
    }

    let s3: PlatformResources["s3"] = null;
    let listObjects: PlatformResources["listObjects"];
    if (options.storage === "s3") {
      let target = options.s3;
      if (!target) {
        if (!services.s3Endpoint || !services.s3Bucket) throw new Error("ARCADE_TEST_S3_* is not set");
        target = { endpoint: services.s3Endpoint, bucket: services.s3Bucket, ...S3_TEST_CREDENTIALS };
      }
      const bucket = target.bucket;
      const keyPrefix = `e2e-${options.id}/`;
      s3 = { bucket, keyPrefix };
      const client = s3Client(target);
      Object.assign(env, {
        ARCADE_STORAGE_TYPE: "s3",
        ARCADE_STORAGE_S3_ENDPOINT: target.endpoint,
        ARCADE_STORAGE_S3_BUCKET: bucket,
        ARCADE_STORAGE_S3_REGION: target.region,
        ARCADE_STORAGE_S3_ACCESS_KEY_ID: target.accessKeyId,
        ARCADE_STORAGE_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
        ARCADE_STORAGE_S3_FORCE_PATH_STYLE: "true",
        ARCADE_STORAGE_S3_KEY_PREFIX: keyPrefix,
      });
      listObjects = async (prefix) =>
        (await listS3(client, bucket, keyPrefix + prefix)).map((k) => k.slice(keyPrefix.length)).sort();
      releases.push(async () => {
        try {
          for (const key of await listS3(client, bucket, keyPrefix)) {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
          }
        } finally {
          client.destroy();
        }
      });
    } else {
      const root = join(options.dataDir, "objects");
      listObjects = async (prefix) => (await listFs(root, prefix)).sort();
    }

    return { env, redisPrefix, mysqlDatabase, s3, listObjects, release };
  } catch (error) {
    await release().catch(() => {});
    throw error;
  }
}

/** Removes every Redis key of the platform (queue, events, node registry), bounded. */
async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    for (let round = 0; round < MAX_SCAN_ROUNDS; round += 1) {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === "0") return;
    }
  } finally {
    redis.disconnect();
  }
}
