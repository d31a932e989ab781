import { describe, expect, it } from "vitest";
import type { JobRecord } from "../ports/plugin-repo.js";
import { createdBefore } from "./job-order.js";

const op = (jobId: string, at: string) => ({ jobId, createdAt: new Date(at) }) as JobRecord;

describe("createdBefore", () => {
  it("orders by creation time, then by job id, and is a strict order", () => {
    const a = op("b", "2024-01-01T00:00:00.000Z");
    const b = op("a", "2024-01-01T00:00:00.001Z");
    const c = op("b", "2024-01-01T00:00:00.001Z");
    expect(createdBefore(a, b)).toBe(true);
    expect(createdBefore(b, a)).toBe(false);
    expect(createdBefore(b, c)).toBe(true);
    expect(createdBefore(c, b)).toBe(false);
    expect(createdBefore(c, c)).toBe(false);
  });
});
