import type { ErrorCode } from "@arcade/contracts";
import { AppError, isAppError } from "../errors/app-error.js";
import { errorChain } from "../errors/error-chain.js";

/** Socket-level failures: the far end (object store, mostly) was unreachable for a moment. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND"]);

/**
 * Driver codes that only a database produces and that mean "busy or gone right now". The db
 * adapter maps these at its boundary already; this is the net for one that slips past it
 * (a driver error thrown from a stream, a pool event), so it is retried instead of ending
 * the job as INTERNAL.
 */
const DATABASE_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
]);

/** TypeORM's "not connected" errors carry no code, only a class name. */
const DATABASE_NAMES = new Set(["CannotExecuteNotConnectedError", "ConnectionIsNotSetError"]);

/** The transient code a raw error stands for, or null when it is not a passing fault. */
export function transientCodeOf(error: unknown): ErrorCode | null {
  for (const e of errorChain(error)) {
    if (isAppError(e)) return e.retryable ? e.code : null;
    const code = typeof e.code === "string" ? e.code : "";
    if (DATABASE_CODES.has(code) || code.startsWith("SQLITE_BUSY")) return "DATABASE_UNAVAILABLE";
    if (typeof e.name === "string" && DATABASE_NAMES.has(e.name)) return "DATABASE_UNAVAILABLE";
    // mysql2 marks errors after which its connection is unusable as fatal.
    if (e.fatal === true && code.startsWith("PROTOCOL_")) return "DATABASE_UNAVAILABLE";
    if (NETWORK_CODES.has(code)) return "STORAGE_UNAVAILABLE";
  }
  return null;
}

/**
 * Turns anything thrown into an AppError. Raw faults of infrastructure become a
 * retryable code (a database driver's own codes DATABASE_UNAVAILABLE, plain socket
 * errors STORAGE_UNAVAILABLE); anything else is INTERNAL, which is not retried.
 */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const transient = transientCodeOf(error);
  if (transient) return new AppError(transient, `transient failure: ${message}`, { cause: error });
  return new AppError("INTERNAL", message, { cause: error });
}
