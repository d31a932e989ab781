import { AppError, isAppError } from "@arcade/core";
import { describeError, objectNotFound, storageAccessDenied, storageUnavailable } from "../errors.js";

const ACCESS_DENIED_NAMES = new Set([
  "AccessDenied",
  "AccountProblem",
  "AllAccessDisabled",
  "CredentialsProviderError",
  "ExpiredToken",
  "Forbidden",
  "InvalidAccessKeyId",
  "InvalidToken",
  "SignatureDoesNotMatch",
]);

const NOT_FOUND_NAMES = new Set(["NoSuchKey", "NotFound"]);

const UNAVAILABLE_NAMES = new Set([
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "SlowDown",
  "ThrottlingException",
  "TimeoutError",
  "TooManyRequestsException",
]);

/** Node/undici socket-level failures: the store is not (currently) reachable. */
const NETWORK_CODES = new Set([
  "EAI_AGAIN",
  "ECONNABORTED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENETDOWN",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
]);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
}

export interface S3ErrorContext {
  /** What was being done, for the message: "put", "get", "ping", ... */
  operation: string;
  bucket: string;
  key?: string | undefined;
}

/**
 * The one place that turns whatever the AWS SDK (or the socket under it)
 * threw into the port's AppErrors:
 * - 401/403, bad keys or signatures: STORAGE_ACCESS_DENIED (not retryable);
 * - 404 of an object: OBJECT_NOT_FOUND;
 * - unreachable, timeouts, throttling, 5xx, a missing bucket, anything without
 *   an HTTP status: STORAGE_UNAVAILABLE (retryable);
 * - any other 4xx: INTERNAL, since it means we sent a request S3 cannot accept.
 */
export function classifyS3Error(error: unknown, context: S3ErrorContext): AppError {
  if (isAppError(error)) return error;
  const where = context.key === undefined ? `bucket ${context.bucket}` : `${context.bucket}/${context.key}`;
  const what = `S3 ${context.operation} of ${where} failed: ${describeError(error)}`;
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkLikeError;
  const name = typeof e.name === "string" ? e.name : "";
  const code = typeof e.code === "string" ? e.code : typeof e.Code === "string" ? e.Code : "";
  const status = statusOf(e);

  if (ACCESS_DENIED_NAMES.has(name) || ACCESS_DENIED_NAMES.has(code) || status === 401 || status === 403) {
    return storageAccessDenied(what, error);
  }
  if (name === "NoSuchBucket" || code === "NoSuchBucket") {
    return storageUnavailable(
      `bucket ${context.bucket} does not exist; create it or fix [storage] bucket`,
      error,
    );
  }
  if (NOT_FOUND_NAMES.has(name) || NOT_FOUND_NAMES.has(code) || status === 404) {
    return context.key === undefined ? storageUnavailable(what, error) : objectNotFound(context.key, error);
  }
  if (
    UNAVAILABLE_NAMES.has(name) ||
    UNAVAILABLE_NAMES.has(code) ||
    NETWORK_CODES.has(code) ||
    isNetworkAggregate(e) ||
    status === 429 ||
    (status !== undefined && status >= 500)
  ) {
    return storageUnavailable(what, error);
  }
  if (status !== undefined && status >= 400) {
    return new AppError("INTERNAL", what, { cause: error });
  }
  return storageUnavailable(what, error);
}

function statusOf(e: SdkLikeError): number | undefined {
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Node's happy-eyeballs connect reports every failed address in an AggregateError. */
function isNetworkAggregate(e: SdkLikeError): boolean {
  if (!Array.isArray(e.errors)) return false;
  return e.errors.some((inner: unknown) => {
    const code = (inner as { code?: unknown } | null)?.code;
    return typeof code === "string" && NETWORK_CODES.has(code);
  });
}
