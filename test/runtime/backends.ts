import {
  type DatabaseKind,
  missingServices,
  type StorageKind,
  serviceAddresses,
  skipReason,
} from "../harness/index.js";

export interface Backends {
  database: DatabaseKind;
  storage: StorageKind;
}

/**
 * MariaDB + S3 when the test run has them, as a real cluster would run; otherwise SQLite and
 * the filesystem store in one data dir that every process of the platform shares.
 */
export function preferredBackends(): Backends {
  const a = serviceAddresses();
  return {
    database: a.mysqlUrl ? "mysql" : "sqlite",
    storage: a.s3Endpoint && a.s3Bucket ? "s3" : "fs",
  };
}

/** The ARCADE_TEST_* variables the preferred variant still lacks (only Redis can be missing). */
export function missingForRuntime(): string[] {
  return missingServices(preferredBackends());
}

/** A describe title that says why it is skipped, when it is. */
export function suiteName(title: string, missing: string[]): string {
  return missing.length > 0 ? `${title} (${skipReason(missing)})` : title;
}
