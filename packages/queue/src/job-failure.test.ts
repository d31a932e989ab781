import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { QueueFailureError, queueFailureReason, readQueueFailure } from "./job-failure.js";

describe("queue failures", () => {
  it("carry the job's code and message through the queue and back, as JSON", () => {
    const sent = new QueueFailureError(
      new AppError("STORAGE_UNAVAILABLE", "S3 get of staging/x failed: a: b"),
    );
    expect(JSON.parse(sent.message)).toEqual({
      code: "STORAGE_UNAVAILABLE",
      message: "S3 get of staging/x failed: a: b",
    });
    expect(readQueueFailure(sent.message)).toEqual({
      code: "STORAGE_UNAVAILABLE",
      message: "S3 get of staging/x failed: a: b",
    });
  });

  it("name raw infrastructure errors by their transient code", () => {
    const raw = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3306"), {
      code: "PROTOCOL_CONNECTION_LOST",
    });
    expect(readQueueFailure(new QueueFailureError(raw).message)?.code).toBe("DATABASE_UNAVAILABLE");
  });

  it("read anything that is not one of ours (BullMQ's own reasons, text, unknown codes) as none", () => {
    for (const reason of [
      "job stalled more than allowable limit",
      "DATABASE_UNAVAILABLE: the old text form",
      queueFailureReason({ code: "INTERNAL", message: "x" }).replace("INTERNAL", "NOT_A_CODE"),
      '{"code":"INTERNAL"}',
      '["INTERNAL","x"]',
      "null",
      "",
      null,
      undefined,
    ]) {
      expect(readQueueFailure(reason)).toBeNull();
    }
  });
});
