import type { NodeFigures } from "@arcade/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyLatency } from "./figures.js";
import { analyseStep, DEFAULT_ABORT_ON, sumFigures } from "./step-analysis.js";

function fig(nodeId: string, version: string, over: Partial<NodeFigures> = {}): NodeFigures {
  return { nodeId, version, loadFailures: 0, crashes: 0, calls: 200, errors: 2, p99Ms: 40, ...over };
}

const baseline = { version: "1.0.0", nodes: [fig("n2", "1.0.0"), fig("n3", "1.0.0")] };

describe("analyseStep", () => {
  it("continues a healthy canary, with the figures it judged", () => {
    const verdict = analyseStep({ canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0")] }, baseline });
    expect(verdict.decision).toBe("continue");
    expect(verdict.findings).toEqual([]);
    expect(verdict.canary).toMatchObject({
      version: "2.0.0",
      nodes: ["n1"],
      calls: 200,
      errors: 2,
      errorRate: 0.01,
    });
    expect(verdict.baseline).toMatchObject({ nodes: ["n2", "n3"], calls: 400, errors: 4 });
  });

  it("aborts a version that throws on 20% of calls, naming the figures", () => {
    const verdict = analyseStep({
      canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { calls: 100, errors: 20 })] },
      baseline,
    });
    expect(verdict.decision).toBe("abort");
    expect(verdict.findings).toEqual([
      expect.objectContaining({ check: "errorRate", observed: 0.2, limit: expect.closeTo(0.06, 10) }),
    ]);
    expect(verdict.findings[0]?.message).toContain("20 of 100 calls");
  });

  it("judges the error rate against the old version's: an already noisy plugin may stay noisy", () => {
    const noisy = { version: "1.0.0", nodes: [fig("n2", "1.0.0", { calls: 400, errors: 40 })] };
    const canary = { version: "2.0.0", nodes: [fig("n1", "2.0.0", { calls: 100, errors: 12 })] };
    expect(analyseStep({ canary, baseline: noisy }).decision).toBe("continue");
    expect(analyseStep({ canary, baseline: null }).decision).toBe("abort");
  });

  it("aborts on any load failure and on more crashes than allowed", () => {
    const verdict = analyseStep({
      canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { loadFailures: 1, crashes: 3 })] },
      baseline,
      abortOn: { crashes: 2 },
    });
    expect(verdict.decision).toBe("abort");
    expect(verdict.findings.map((f) => [f.check, f.observed, f.limit])).toEqual([
      ["loadFailures", 1, 0],
      ["crashes", 3, 2],
    ]);
  });

  it("aborts on a p99 beyond the ratio to the old version's", () => {
    const verdict = analyseStep({
      canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { p99Ms: 130 })] },
      baseline,
      abortOn: { p99Ratio: 3 },
    });
    expect(verdict.decision).toBe("abort");
    expect(verdict.findings[0]).toMatchObject({ check: "p99Ratio", limit: 3 });
    expect(verdict.findings[0]?.observed).toBeCloseTo(3.25);
  });

  describe("a small sample", () => {
    it("gives no verdict under minCalls calls, even with no error seen", () => {
      const verdict = analyseStep({
        canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { calls: 12, errors: 0 })] },
        baseline,
      });
      expect(verdict.decision).toBe("inconclusive");
      expect(verdict.findings).toEqual([
        expect.objectContaining({ check: "sample", observed: 12, limit: DEFAULT_ABORT_ON.minCalls }),
      ]);
    });

    it("one error in three calls is not yet an abort (it could be 1 in 50)", () => {
      const verdict = analyseStep({
        canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { calls: 3, errors: 1 })] },
        baseline,
      });
      expect(verdict.decision).toBe("inconclusive");
    });

    it("aborts early when the errors seen already breach the limit at minCalls", () => {
      const verdict = analyseStep({
        canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0", { calls: 10, errors: 10 })] },
        baseline,
      });
      expect(verdict.decision).toBe("abort");
      expect(verdict.findings[0]).toMatchObject({ check: "errorRate", observed: 1 });
    });

    it("a baseline with too few calls counts as error-free and its p99 is not compared", () => {
      const thin = { version: "1.0.0", nodes: [fig("n2", "1.0.0", { calls: 5, errors: 5, p99Ms: 1 })] };
      const verdict = analyseStep({
        canary: { version: "2.0.0", nodes: [fig("n1", "2.0.0")] },
        baseline: thin,
      });
      expect(verdict.decision).toBe("continue");
      expect(verdict.findings).toEqual([expect.objectContaining({ check: "p99Ratio", observed: null })]);
    });
  });

  it("property: more errors on the canary never turns an abort into a continue", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (calls, extra) => {
        const errors = Math.min(calls, Math.floor(calls / 3));
        const judge = (e: number) =>
          analyseStep({ canary: { version: "2", nodes: [fig("n1", "2", { calls, errors: e })] }, baseline })
            .decision;
        const before = judge(errors);
        const after = judge(Math.min(calls, errors + extra));
        if (before === "abort") expect(after).toBe("abort");
      }),
    );
  });
});

describe("sumFigures", () => {
  it("adds counts and weighs each node's p99 by its calls; no calls, no rates", () => {
    const sum = sumFigures("1.0.0", [
      fig("a", "1.0.0", { calls: 100, errors: 1, p99Ms: 10 }),
      fig("b", "1.0.0", { calls: 300, errors: 3, p99Ms: 50 }),
      fig("c", "1.0.0", { calls: 0, errors: 0, p99Ms: null }),
    ]);
    expect(sum).toMatchObject({ calls: 400, errors: 4, errorRate: 0.01, p99Ms: 40, nodes: ["a", "b", "c"] });
    expect(sumFigures("1.0.0", [])).toMatchObject({ calls: 0, errorRate: null, p99Ms: null });
  });

  it("takes the p99 of the merged latency buckets when every serving node sent them", () => {
    // a: 99 fast calls (<= 1 ms) and 1 at 250..500 ms; b: 100 fast calls. Merged, 1 slow call in
    // 200 sits at the 99.5th percentile: the p99 is a fast one, whatever each node's own p99 says.
    const fast = (n: number) => [n, ...emptyLatency().slice(1)];
    const a = fast(99);
    a[8] = 1;
    const sum = sumFigures("1.0.0", [
      fig("a", "1.0.0", { calls: 100, errors: 0, p99Ms: 500, latency: a }),
      fig("b", "1.0.0", { calls: 100, errors: 0, p99Ms: 1, latency: fast(100) }),
      fig("c", "1.0.0", { calls: 0, errors: 0, p99Ms: null }),
    ]);
    expect(sum.p99Ms).toBeLessThanOrEqual(1);
    // Without buckets from b, the call-weighted approximation applies.
    const approx = sumFigures("1.0.0", [
      fig("a", "1.0.0", { calls: 100, p99Ms: 500, latency: a }),
      fig("b", "1.0.0", { calls: 100, p99Ms: 1 }),
    ]);
    expect(approx.p99Ms).toBeCloseTo(250.5);
  });
});
