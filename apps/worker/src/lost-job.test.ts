import type { JobRecord } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { isLost } from "./lost-job.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const row = (state: JobRecord["state"], ageMs: number) =>
  ({ state, createdAt: new Date(NOW - ageMs) }) as JobRecord;

describe("isLost", () => {
  it("an unfinished row whose queue job has ended is lost", () => {
    expect(isLost(row("running", 0), "failed", NOW, 60_000)).toBe(true);
    expect(isLost(row("queued", 0), "completed", NOW, 60_000)).toBe(true);
  });

  it("a row whose job is unknown to the queue is lost only once past the grace period", () => {
    expect(isLost(row("queued", 1_000), "unknown", NOW, 60_000)).toBe(false);
    expect(isLost(row("queued", 61_000), "unknown", NOW, 60_000)).toBe(true);
  });

  it("a job still in the queue, or a finished row, is never lost", () => {
    for (const state of ["waiting", "active", "delayed", "prioritized"] as const) {
      expect(isLost(row("running", 3_600_000), state, NOW, 60_000)).toBe(false);
    }
    expect(isLost(row("succeeded", 3_600_000), "completed", NOW, 60_000)).toBe(false);
    expect(isLost(row("failed", 3_600_000), "unknown", NOW, 60_000)).toBe(false);
  });
});
