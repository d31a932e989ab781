import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { errorFromFailedReason, queueFailure } from "./queue-failure.js";

describe("queue failure reasons", () => {
  it("carry the job's code through the queue and back", () => {
    const sent = queueFailure(new AppError("STORAGE_UNAVAILABLE", "S3 get of staging/x failed"));
    expect(sent.message).toBe("STORAGE_UNAVAILABLE: S3 get of staging/x failed");
    const back = errorFromFailedReason(sent.message);
    expect(back.code).toBe("STORAGE_UNAVAILABLE");
    expect(back.message).toBe("S3 get of staging/x failed");
  });

  it("name raw infrastructure errors by their transient code", () => {
    const raw = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3306"), {
      code: "PROTOCOL_CONNECTION_LOST",
    });
    expect(errorFromFailedReason(queueFailure(raw).message).code).toBe("DATABASE_UNAVAILABLE");
  });

  it("read a reason without a known code (BullMQ's own, e.g. stalled) as INTERNAL", () => {
    for (const reason of ["job stalled more than allowable limit", "NOT_A_CODE: x", "", null, undefined]) {
      const error = errorFromFailedReason(reason);
      expect(error.code).toBe("INTERNAL");
      expect(error.message).toMatch(/without recording its outcome/);
    }
  });
});
