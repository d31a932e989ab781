import { AppError } from "@arcade/core";

/**
 * Constructors for the storage failures every adapter reports. Keeping the
 * messages here makes the two adapters read the same to an operator.
 */
export function objectNotFound(key: string, cause?: unknown): AppError {
  return new AppError("OBJECT_NOT_FOUND", `object not found: ${key}`, { cause });
}

export function storageUnavailable(message: string, cause?: unknown): AppError {
  return new AppError("STORAGE_UNAVAILABLE", message, {
    cause,
    detail: "the object store did not answer as expected; the operation can be retried",
  });
}

export function storageAccessDenied(message: string, cause?: unknown): AppError {
  return new AppError("STORAGE_ACCESS_DENIED", message, {
    cause,
    detail: "check the storage credentials and permissions in the [storage] configuration",
  });
}

/** Keys come from our own code, so a bad one is a programming error, reported as BAD_REQUEST. */
export function invalidKey(key: string, reason: string): AppError {
  return new AppError("BAD_REQUEST", `invalid object key ${JSON.stringify(key)}: ${reason}`);
}

/** Short text of any thrown value, for messages that wrap it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message || error.name;
  }
  return String(error);
}
