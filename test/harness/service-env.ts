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
export function missingServices(kind: { database: DatabaseKind; storage: StorageKind }): string[] {
  const a = serviceAddresses();
  const missing: string[] = [];
  if (!a.redisUrl) missing.push("ARCADE_TEST_REDIS_URL");
  if (kind.database === "mysql" && !a.mysqlUrl) missing.push("ARCADE_TEST_MYSQL_URL");
  if (kind.storage === "s3") {
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
