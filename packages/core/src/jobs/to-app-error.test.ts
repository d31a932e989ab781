import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { toAppError } from "./to-app-error.js";

function coded(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`boom ${code}`), { code, ...extra });
}

describe("toAppError", () => {
  it("passes AppErrors through untouched", () => {
    const error = new AppError("MANIFEST_INVALID", "bad");
    expect(toAppError(error)).toBe(error);
  });

  it.each([
    ["PROTOCOL_CONNECTION_LOST"],
    ["ER_LOCK_DEADLOCK"],
    ["ER_LOCK_WAIT_TIMEOUT"],
    ["SQLITE_BUSY"],
    ["SQLITE_BUSY_SNAPSHOT"],
  ])("maps the database driver code %s to a retryable DATABASE_UNAVAILABLE", (code) => {
    const mapped = toAppError(coded(code));
    expect(mapped.code).toBe("DATABASE_UNAVAILABLE");
    expect(mapped.retryable).toBe(true);
  });

  it("looks inside TypeORM's driverError and an error's cause", () => {
    const typeorm = Object.assign(new Error("query failed"), {
      name: "QueryFailedError",
      driverError: coded("ER_LOCK_DEADLOCK"),
    });
    expect(toAppError(typeorm).code).toBe("DATABASE_UNAVAILABLE");
    expect(toAppError(new Error("wrapped", { cause: coded("ECONNRESET") })).code).toBe("STORAGE_UNAVAILABLE");
    const notConnected = Object.assign(new Error("no connection"), {
      name: "CannotExecuteNotConnectedError",
    });
    expect(toAppError(notConnected).code).toBe("DATABASE_UNAVAILABLE");
  });

  it("keeps a retryable AppError found inside another error", () => {
    const inner = new AppError("DATABASE_UNAVAILABLE", "down");
    expect(toAppError(new Error("outer", { cause: inner })).code).toBe("DATABASE_UNAVAILABLE");
  });

  it("maps plain socket errors (also inside an AggregateError) to STORAGE_UNAVAILABLE", () => {
    expect(toAppError(coded("ECONNREFUSED")).code).toBe("STORAGE_UNAVAILABLE");
    expect(toAppError(new AggregateError([coded("ECONNREFUSED")], "all failed")).code).toBe(
      "STORAGE_UNAVAILABLE",
    );
  });

  it("turns anything else into INTERNAL, which is not retried", () => {
    for (const thrown of [new Error("bug"), coded("ER_PARSE_ERROR"), coded("ENOENT"), "a string", null]) {
      const mapped = toAppError(thrown);
      expect(mapped.code).toBe("INTERNAL");
      expect(mapped.retryable).toBe(false);
    }
  });
});
