import { randomBytes } from "node:crypto";

/** Where the S3-compatible server of a test run lives and how to sign in to it (s3rver). */
export interface S3TestTarget {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
}

/** The servers infra/scripts/test.sh started for this run. */
export interface TestServices {
  redisUrl: string;
  mysqlUrl: string;
  s3: S3TestTarget;
  /** A scratch folder removed after the run; make a sub-folder per suite. */
  dataDir: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    // A missing service is a setup error, never a reason to skip: skipped tests prove nothing.
    throw new Error(
      `${name} is not set. Run the tests through 'npm test' (infra/scripts/test.sh), or start the services ` +
        "by hand: bash infra/services/all.sh start && set -a && . .data/services/arcade-test.env && set +a",
    );
  }
  return value;
}

/** Reads the ARCADE_TEST_* variables; throws a message naming what to run when one is missing. */
export function testServices(): TestServices {
  return {
    redisUrl: required("ARCADE_TEST_REDIS_URL"),
    mysqlUrl: required("ARCADE_TEST_MYSQL_URL"),
    s3: {
      endpoint: required("ARCADE_TEST_S3_ENDPOINT"),
      bucket: required("ARCADE_TEST_S3_BUCKET"),
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    },
    dataDir: required("ARCADE_TEST_DATA_DIR"),
  };
}

/** A short random suffix for per-suite names: `arcade_${suite}_${uniqueSuffix()}`, key prefixes, queues. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}
