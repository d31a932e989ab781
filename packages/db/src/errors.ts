import { AppError, type ErrorLike, errorChain, isAppError } from "@arcade/core";

/**
 * Driver error codes that mean "the database cannot be reached or refused to go on right
 * now": a retry later may well succeed. Detection is by code, never by message text, except
 * for the few driver errors that carry no code at all (listed in UNAVAILABLE_MESSAGES).
 */
const UNAVAILABLE_CODES = new Set<string>([
  // network (node, mysql2)
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  // MySQL/MariaDB server states
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  // SQLite (better-sqlite3 sets extended codes as strings)
  "SQLITE_BUSY",
  "SQLITE_BUSY_SNAPSHOT",
  "SQLITE_BUSY_RECOVERY",
  "SQLITE_BUSY_TIMEOUT",
  "SQLITE_LOCKED",
  "SQLITE_LOCKED_SHAREDCACHE",
  "SQLITE_CANTOPEN",
  "SQLITE_IOERR",
  "SQLITE_FULL",
]);

/** MySQL server/client errnos for the same conditions (some drivers report only the number). */
const UNAVAILABLE_ERRNOS = new Set<number>([
  1040, 1053, 1205, 1213, 1317, 1927, 2002, 2003, 2006, 2013, 4031,
]);

/** Codeless errors: mysql2 pool/connection, better-sqlite3 and TypeORM's driver, each after close. */
const UNAVAILABLE_MESSAGES = [
  "Pool is closed",
  "Connection lost",
  "connection is in closed state",
  "Can't write in closed state",
  "The database connection is not open",
  "Connection is not established",
];

/** TypeORM's own "not connected" errors, recognised by class name. */
const UNAVAILABLE_NAMES = new Set<string>([
  "CannotExecuteNotConnectedError",
  "ConnectionIsNotSetError",
  "CannotConnectAlreadyConnectedError",
]);

/** Configuration mistakes are fatal on mysql2 too, but retrying them would only hide them. */
const NOT_TRANSIENT_CODES = new Set<string>([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
]);

function codeOf(error: ErrorLike): string | undefined {
  return typeof error.code === "string" ? error.code : undefined;
}

/** A unique-key clash: mysql ER_DUP_ENTRY (1062), sqlite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY. */
export function isUniqueViolation(error: unknown): boolean {
  for (const e of errorChain(error)) {
    const code = codeOf(e);
    if (code === "ER_DUP_ENTRY" || code === "ER_DUP_ENTRY_WITH_KEY_NAME") return true;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
    if (e.errno === 1062 || e.errno === 1586) return true;
  }
  return false;
}

/** True when the failure is the database being unreachable or busy rather than the query being wrong. */
export function isUnavailable(error: unknown): boolean {
  for (const e of errorChain(error)) {
    const code = codeOf(e);
    if (code !== undefined && NOT_TRANSIENT_CODES.has(code)) return false;
    if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith("SQLITE_IOERR"))) return true;
    if (typeof e.errno === "number" && UNAVAILABLE_ERRNOS.has(e.errno)) return true;
    if (e.fatal === true) return true;
    if (typeof e.name === "string" && UNAVAILABLE_NAMES.has(e.name)) return true;
    const message = typeof e.message === "string" ? e.message : "";
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** Maps a caught error at the repo boundary: AppErrors pass, outages become DATABASE_UNAVAILABLE. */
export function toDbError(error: unknown): unknown {
  if (isAppError(error)) return error;
  if (isUnavailable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new AppError("DATABASE_UNAVAILABLE", `database unavailable: ${message}`, {
      cause: error,
      detail: "The database could not be reached or was busy; the operation can be retried.",
    });
  }
  return error;
}

/** Runs `work` and rethrows its failure mapped by toDbError. The one wrapper every repo method uses. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDbError(error);
  }
}

export function unavailable(message: string, cause?: unknown): AppError {
  return new AppError("DATABASE_UNAVAILABLE", message, cause === undefined ? {} : { cause });
}
