import { AppError, isAppError } from "@arcade/core";
import { describeError, objectNotFound, storageAccessDenied, storageUnavailable } from "../errors.js";

/** Paths that clash with the key layout: a key used both as an object and as a folder. */
const LAYOUT_CODES = new Set(["ENOTDIR", "EISDIR", "ENAMETOOLONG", "ENOTEMPTY", "EEXIST"]);

/**
 * Maps a filesystem error to the port's AppErrors. Permission problems are
 * STORAGE_ACCESS_DENIED; a full disk, I/O errors, too many open files and any
 * unknown errno are STORAGE_UNAVAILABLE (an operator can fix them and the job
 * can be retried); ENOENT is OBJECT_NOT_FOUND only where the caller says a
 * missing file means a missing object.
 */
export function classifyFsError(
  error: unknown,
  context: { operation: string; key?: string | undefined; missingIsNotFound?: boolean },
): AppError {
  if (isAppError(error)) return error;
  const code =
    typeof (error as { code?: unknown } | null)?.code === "string" ? (error as { code: string }).code : "";
  const what = `filesystem ${context.operation}${context.key === undefined ? "" : ` of ${context.key}`} failed: ${describeError(error)}`;
  if (code === "ENOENT" && context.missingIsNotFound && context.key !== undefined) {
    return objectNotFound(context.key, error);
  }
  if (code === "EACCES" || code === "EPERM") return storageAccessDenied(what, error);
  if (LAYOUT_CODES.has(code) && context.key !== undefined) {
    return new AppError(
      "BAD_REQUEST",
      `${what} (a key cannot be both an object and a folder of other keys)`,
      {
        cause: error,
      },
    );
  }
  return storageUnavailable(what, error);
}
