import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { isUnavailable, isUniqueViolation, toDbError } from "./errors.js";

function driverError(props: Record<string, unknown>, message = "driver failure"): Error {
  return Object.assign(new Error(message), props);
}

/** The shape TypeORM's QueryFailedError has: the driver error kept and its fields copied. */
function wrapped(inner: Error): Error {
  return Object.assign(new Error(inner.message), { name: "QueryFailedError", driverError: inner });
}

describe("isUniqueViolation", () => {
  it("recognises both drivers by code, wrapped or not", () => {
    expect(isUniqueViolation(driverError({ code: "ER_DUP_ENTRY", errno: 1062 }))).toBe(true);
    expect(isUniqueViolation(wrapped(driverError({ code: "SQLITE_CONSTRAINT_UNIQUE" })))).toBe(true);
    expect(isUniqueViolation(driverError({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }))).toBe(true);
    expect(isUniqueViolation(driverError({ code: "SQLITE_CONSTRAINT_NOTNULL" }))).toBe(false);
    expect(isUniqueViolation(new Error("Duplicate entry 'x' for key 'name'"))).toBe(false);
  });
});

describe("isUnavailable / toDbError", () => {
  it("maps connection-level failures to a retryable DATABASE_UNAVAILABLE that keeps the cause", () => {
    for (const cause of [
      driverError({ code: "ECONNREFUSED" }),
      driverError({ code: "PROTOCOL_CONNECTION_LOST", fatal: true }),
      wrapped(driverError({ code: "ER_LOCK_DEADLOCK", errno: 1213 })),
      wrapped(driverError({ code: "SQLITE_BUSY" })),
      new Error("Pool is closed."),
      new TypeError("The database connection is not open"),
      new AggregateError([driverError({ code: "ECONNREFUSED" })], "all attempts failed"),
    ]) {
      const mapped = toDbError(cause);
      expect(mapped).toBeInstanceOf(AppError);
      expect((mapped as AppError).code).toBe("DATABASE_UNAVAILABLE");
      expect((mapped as AppError).retryable).toBe(true);
      expect((mapped as AppError).cause).toBe(cause);
    }
  });

  it("lets query mistakes, constraint clashes, bad credentials and AppErrors through unchanged", () => {
    const syntax = wrapped(driverError({ code: "ER_PARSE_ERROR", errno: 1064 }));
    const dup = wrapped(driverError({ code: "ER_DUP_ENTRY", errno: 1062 }));
    const denied = driverError({ code: "ER_ACCESS_DENIED_ERROR", errno: 1045, fatal: true });
    const app = new AppError("PLUGIN_EXISTS", "exists");
    for (const error of [syntax, dup, denied, app]) {
      expect(toDbError(error)).toBe(error);
    }
    expect(isUnavailable(new Error("Connection refused by policy"))).toBe(false);
  });
});
