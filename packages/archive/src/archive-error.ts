import type { ErrorCode, FieldError } from "@arcade/contracts";
import { AppError } from "@arcade/core";

const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  ARCHIVE_INVALID: "Upload a .zip made with a standard zip tool (or `arcade-plugins pack`).",
  ARCHIVE_UNSAFE: "Repack the plugin from a plain folder: regular files only, relative paths, no encryption.",
  ARCHIVE_TOO_LARGE: "Make the plugin smaller, or raise the [plugin] size limits in the configuration.",
};

export function archiveError(
  code: ErrorCode,
  message: string,
  errors: FieldError[] = [],
  cause?: unknown,
): AppError {
  const next = NEXT_STEP[code];
  return new AppError(code, message, {
    errors,
    ...(next ? { detail: next } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A FieldError about entry `index` of the archive, naming it. */
export function entryError(index: number, name: string, problem: string): FieldError {
  return { path: `/entries/${index}`, message: `${JSON.stringify(name)} ${problem}` };
}

/**
 * An error of the operating system (ENOENT, EACCES, ENOSPC, EMFILE...) is the
 * machine's problem, not the upload's: it stays as it is. Anything else thrown
 * while reading a zip (yauzl's format errors, zlib's data errors) means the
 * archive is broken.
 */
export function asArchiveError(error: unknown, what = "the archive"): unknown {
  if (error instanceof AppError) return error;
  if (isSystemError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return archiveError("ARCHIVE_INVALID", `${what} is not a readable zip archive: ${message}`, [], error);
}

function isSystemError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { syscall?: unknown }).syscall === "string"
  );
}
