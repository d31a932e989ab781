/** Which backing services a platform needs, and where the test run's services are (ARCADE_TEST_*). */
export type DatabaseKind = "sqlite" | "mysql";
export type StorageKind = "fs" | "s3";

export interface ServiceAddresses {
  /** The admin user: the suites' own clients (cleanup, fault injection). */
  redisUrl: string | undefined;
  /** The ACL users the platform's API and worker processes log in as (infra/services/redis.sh). */
  redisApiUrl: string | undefined;
  redisWorkerUrl: string | undefined;
  /** MariaDB's read-only user (SELECT only). */
  mysqlReaderUrl: string | undefined;
  mysqlUrl: string | undefined;
  s3Endpoint: string | undefined;
  s3Bucket: string | undefined;
  /** Scratch folder of the run (removed by infra/scripts/test.sh); os.tmpdir() without it. */
  dataDir: string | undefined;
}

/** s3rver's fixed credentials (infra/services/s3rver.sh). */
export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1" };

/**
 * An S3 server for a platform other than the run's s3rver, and the key its processes (and the
 * harness's own client: listing, cleanup) use.
 */
export interface S3Target {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * moto (infra/services/moto.sh), an S3 server that enforces IAM: its bucket with the writer key
 * (s3:* on the bucket), and the reader key (s3:GetObject, s3:ListBucket). Undefined when the run
 * has no moto.
 */
export function motoTarget(env: NodeJS.ProcessEnv = process.env):
  | {
      writer: S3Target;
      reader: { accessKeyId: string; secretAccessKey: string };
    }
  | undefined {
  const endpoint = env.ARCADE_TEST_MOTO_ENDPOINT;
  const bucket = env.ARCADE_TEST_MOTO_BUCKET;
  const writerId = env.ARCADE_TEST_MOTO_WRITER_ACCESS_KEY_ID;
  const writerSecret = env.ARCADE_TEST_MOTO_WRITER_SECRET_ACCESS_KEY;
  const readerId = env.ARCADE_TEST_MOTO_READER_ACCESS_KEY_ID;
  const readerSecret = env.ARCADE_TEST_MOTO_READER_SECRET_ACCESS_KEY;
  if (!endpoint || !bucket || !writerId || !writerSecret || !readerId || !readerSecret) return undefined;
  return {
    writer: { endpoint, bucket, region: "us-east-1", accessKeyId: writerId, secretAccessKey: writerSecret },
    reader: { accessKeyId: readerId, secretAccessKey: readerSecret },
  };
}

export function serviceAddresses(env: NodeJS.ProcessEnv = process.env): ServiceAddresses {
  return {
    redisUrl: env.ARCADE_TEST_REDIS_URL || undefined,
    redisApiUrl: env.ARCADE_TEST_REDIS_API_URL || undefined,
    redisWorkerUrl: env.ARCADE_TEST_REDIS_WORKER_URL || undefined,
    mysqlReaderUrl: env.ARCADE_TEST_MYSQL_READER_URL || undefined,
    mysqlUrl: env.ARCADE_TEST_MYSQL_URL || undefined,
    s3Endpoint: env.ARCADE_TEST_S3_ENDPOINT || undefined,
    s3Bucket: env.ARCADE_TEST_S3_BUCKET || undefined,
    dataDir: env.ARCADE_TEST_DATA_DIR || undefined,
  };
}

/**
 * The ARCADE_TEST_* variables a platform of this kind needs that are not set; empty when it can
 * run. Redis is always needed (queue, events, node registry).
 */
export function missingServices(kind: {
  database: DatabaseKind;
  storage: StorageKind;
  s3?: S3Target;
}): string[] {
  const a = serviceAddresses();
  const missing: string[] = [];
  if (!a.redisUrl) missing.push("ARCADE_TEST_REDIS_URL");
  if (kind.database === "mysql" && !a.mysqlUrl) missing.push("ARCADE_TEST_MYSQL_URL");
  if (kind.storage === "s3" && !kind.s3) {
    if (!a.s3Endpoint) missing.push("ARCADE_TEST_S3_ENDPOINT");
    if (!a.s3Bucket) missing.push("ARCADE_TEST_S3_BUCKET");
  }
  return missing;
}

/** A sentence for a skipped suite: what is missing and how to get it. */
export function skipReason(missing: string[]): string {
  return (
    `skipped: ${missing.join(", ")} not set (run through infra/scripts/test.sh, or ` +
    "bash infra/services/all.sh start && set -a && . .data/services/arcade-test.env && set +a)"
  );
}
