import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectCrashLoop, lastCleanVersion } from "./crash-loop.js";

const min = 60_000;

describe("detectCrashLoop", () => {
  const policy = { maxCrashes: 3, windowMs: 5 * min };

  it("quarantines three crashes within five minutes after the update", () => {
    const check = detectCrashLoop([1000 + 10_000, 1000 + 70_000, 1000 + 200_000], 1000, policy);
    expect(check).toEqual({ quarantine: true, crashes: [11_000, 71_000, 201_000], sinceUpdate: 3 });
  });

  it("leaves crashes spread wider than the window alone", () => {
    expect(detectCrashLoop([0, 4 * min, 8 * min, 12 * min], 0, policy).quarantine).toBe(false);
  });

  it("finds a loop anywhere in the series, in any order of report", () => {
    expect(detectCrashLoop([30 * min, 2 * min, 31 * min, 32 * min], 0, policy)).toMatchObject({
      quarantine: true,
      crashes: [30 * min, 31 * min, 32 * min],
    });
  });

  it("does not count the old version's crashes before the update", () => {
    expect(detectCrashLoop([1, 2, 3, 10 * min], 5 * min, policy)).toEqual({
      quarantine: false,
      crashes: [],
      sinceUpdate: 1,
    });
  });

  it("property: quarantine exactly when some maxCrashes restarts fit in the window", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 * min }), { maxLength: 12 }), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        const expected = sorted.some(
          (t, i) => i + 2 < sorted.length && (sorted[i + 2] as number) - t <= 5 * min,
        );
        expect(detectCrashLoop(times, 0, policy).quarantine).toBe(expected);
      }),
    );
  });
});

describe("lastCleanVersion", () => {
  it("falls back to the most recent other version that ran long enough without a loop", () => {
    const runs = [
      { version: "1.0.0", startedAt: 0, endedAt: 100 * min, crashLoop: false },
      { version: "1.1.0", startedAt: 100 * min, endedAt: 101 * min, crashLoop: true },
      { version: "1.2.0", startedAt: 101 * min, endedAt: 102 * min, crashLoop: false },
      { version: "2.0.0", startedAt: 102 * min, endedAt: null, crashLoop: false },
    ];
    expect(lastCleanVersion(runs, "2.0.0")).toBe("1.0.0");
    expect(lastCleanVersion(runs, "2.0.0", 30_000)).toBe("1.2.0");
  });

  it("has nothing to fall back to on a first install", () => {
    expect(
      lastCleanVersion([{ version: "1.0.0", startedAt: 0, endedAt: null, crashLoop: false }], "1.0.0"),
    ).toBeNull();
  });
});
