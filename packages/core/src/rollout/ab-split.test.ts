import { describe, expect, it } from "vitest";
import { assignVersion, splitBuckets } from "./ab-split.js";

describe("splitBuckets", () => {
  it("gives each new version its share in version order, the current version the rest", () => {
    expect(splitBuckets({ "2.1.0": 5, "2.0.0": 10 }, "1.0.0")).toEqual([
      { version: "2.0.0", upTo: 1000 },
      { version: "2.1.0", upTo: 1500 },
      { version: "1.0.0", upTo: 10_000 },
    ]);
  });
});

describe("assignVersion", () => {
  const buckets = splitBuckets({ "2.0.0": 10 }, "1.0.0");

  it("is sticky: the same key gets the same version every time", () => {
    for (let i = 0; i < 200; i++) {
      const key = `user-${i}`;
      const first = assignVersion(buckets, { callerKey: key, salt: "job_1" });
      for (let j = 0; j < 3; j++)
        expect(assignVersion(buckets, { callerKey: key, salt: "job_1" })).toBe(first);
    }
  });

  it("serves the asked share over many keys, within statistical bounds", () => {
    const n = 100_000;
    let onNew = 0;
    for (let i = 0; i < n; i++)
      if (assignVersion(buckets, { callerKey: `caller-${i}`, salt: "job_1" }) === "2.0.0") onNew++;
    // Binomial(100000, 0.1): sd = sqrt(n p (1-p)) ≈ 95; five sd either side.
    const sd = Math.sqrt(n * 0.1 * 0.9);
    expect(Math.abs(onNew - n * 0.1)).toBeLessThan(5 * sd);
  });

  it("a different salt (another rollout) reshuffles who lands on the new version", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    const a = keys.filter((k) => assignVersion(buckets, { callerKey: k, salt: "job_1" }) === "2.0.0");
    const b = keys.filter((k) => assignVersion(buckets, { callerKey: k, salt: "job_2" }) === "2.0.0");
    expect(a).not.toEqual(b);
  });

  it("without a key, draws per call from the random source", () => {
    const draws = [0, 0.0999, 0.1, 0.5, 0.99999, 1, -1, Number.NaN];
    const picked = draws.map((x) => assignVersion(buckets, { random: () => x }));
    expect(picked).toEqual(["2.0.0", "2.0.0", "1.0.0", "1.0.0", "1.0.0", "1.0.0", "2.0.0", "2.0.0"]);
  });

  it("0% never and 100% always serves the new version", () => {
    const none = splitBuckets({ "2.0.0": 0 }, "1.0.0");
    const all = splitBuckets({ "2.0.0": 100 }, "1.0.0");
    for (let i = 0; i < 500; i++) {
      expect(assignVersion(none, { callerKey: `u${i}` })).toBe("1.0.0");
      expect(assignVersion(all, { callerKey: `u${i}` })).toBe("2.0.0");
    }
  });
});
