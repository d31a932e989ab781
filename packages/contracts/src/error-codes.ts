/**
 * The fixed, documented list of machine-readable error codes and the one map
 * from code to HTTP status. Job failures use the same codes.
 */
export const ERROR_STATUS = {
  // request shape
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  MALFORMED_MULTIPART: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** A plugin did something its manifest did not declare (names what: `fs.read /etc/hostname`). */
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  PLUGIN_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  ACTION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request (its body) did not arrive within server.request_timeout / server.upload_timeout. */
  REQUEST_TIMEOUT: 408,
  PLUGIN_EXISTS: 409,
  OPERATION_IN_PROGRESS: 409,
  VERSION_NOT_NEWER: 409,
  DEPENDENTS_EXIST: 409,
  /** An update asks for more permissions than the installed version has; retry with acceptPermissions=true. */
  PERMISSIONS_ESCALATED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  /**
   * A rollout command (`POST /jobs/{jobId}/pause|resume|abort|promote`) that does not apply: the
   * job has no rollout, it has ended, the command does not fit its state, or another command is
   * still waiting for the worker.
   */
  ROLLOUT_CONFLICT: 409,
  /**
   * The queued job (its BullMQ name or data in Redis) disagrees with the job's row: someone
   * rewrote it. The job fails without running; its row records this code (never retried).
   */
  JOB_TAMPERED: 409,
  PLUGIN_NOT_LOADED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The Host header is not in server.allowed_hosts (421 Misdirected Request: wrong authority). */
  HOST_NOT_ALLOWED: 421,
  // artifact and manifest
  ARCHIVE_INVALID: 422,
  ARCHIVE_UNSAFE: 422,
  ARCHIVE_TOO_LARGE: 422,
  MANIFEST_MISSING: 422,
  MANIFEST_INVALID: 422,
  ENTRY_POINT_MISSING: 422,
  CHECKSUM_MISMATCH: 422,
  SIZE_MISMATCH: 422,
  CONFIG_INVALID: 422,
  PARAMS_INVALID: 422,
  DEPENDENCY_MISSING: 422,
  DEPENDENCY_VERSION: 422,
  PLATFORM_VERSION_UNSUPPORTED: 422,
  SIGNATURE_MISSING: 422,
  SIGNATURE_INVALID: 422,
  KEY_UNTRUSTED: 422,
  KEY_REVOKED: 422,
  MARKET_DISABLED: 422,
  MARKET_PLUGIN_NOT_FOUND: 422,
  RATE_LIMITED: 429,
  // plugin execution
  ACTION_FAILED: 502,
  ACTION_TIMEOUT: 504,
  PLUGIN_LOAD_FAILED: 502,
  /** A rollout step failed its analysis; the canary nodes were rolled back (the figures say why). */
  ROLLOUT_ABORTED: 502,
  // infrastructure (transient: retried by workers, 503 from the API)
  MARKET_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  OBJECT_NOT_FOUND: 404,
  STORAGE_ACCESS_DENIED: 500,
  /** A stored config secret names a key id the keyring does not hold (secrets.keys), or no key is active. */
  SECRET_KEY_UNKNOWN: 500,
  /** A stored config secret does not decrypt: tampered, moved to another plugin or field, or corrupt. */
  SECRET_DECRYPT_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** Codes that describe a passing fault of infrastructure: safe to retry. */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "MARKET_UNAVAILABLE",
  "DATABASE_UNAVAILABLE",
  "STORAGE_UNAVAILABLE",
  "QUEUE_UNAVAILABLE",
]);

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

/** One field-level problem: a JSON pointer into the offending document and a readable message. */
export interface FieldError {
  path: string;
  message: string;
}

/** RFC 9457 problem body, as every error response of the API. */
export interface Problem {
  status: number;
  code: ErrorCode;
  title: string;
  detail?: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}
