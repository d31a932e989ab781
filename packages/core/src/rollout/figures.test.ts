import { LATENCY_BUCKETS_MS, type PluginVersionCounters } from "@arcade/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CountersReading,
  countersDelta,
  emptyLatency,
  figuresBetween,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  latencyP99,
  latencyQuantile,
  mergeLatency,
} from "./figures.js";

function counters(version: string, over: Partial<PluginVersionCounters> = {}): PluginVersionCounters {
  return { version, loadFailures: 0, crashes: 0, calls: 0, errors: 0, latency: emptyLatency(), ...over };
}

/** A histogram with `count` calls in the bucket of `ms`. */
function at(ms: number, count: number): number[] {
  const h = emptyLatency();
  h[latencyBucket(ms)] = count;
  return h;
}

describe("latency buckets", () => {
  it("puts a call in the first bucket whose bound it does not exceed, the rest above the last bound", () => {
    expect(LATENCY_BUCKET_COUNT).toBe(LATENCY_BUCKETS_MS.length + 1);
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.01)).toBe(1);
    expect(latencyBucket(250)).toBe(LATENCY_BUCKETS_MS.indexOf(250));
    expect(latencyBucket(30_000)).toBe(LATENCY_BUCKETS_MS.length - 1);
    expect(latencyBucket(30_001)).toBe(LATENCY_BUCKETS_MS.length);
  });

  it("merges bucket by bucket, ignoring missing and bad entries", () => {
    expect(mergeLatency([at(3, 2), at(3, 5), [1], [Number.NaN, -4]])).toEqual(
      mergeLatency([at(3, 7), at(0.5, 1)]),
    );
  });

  it("interpolates the quantile inside its bucket; null without calls", () => {
    expect(latencyP99(emptyLatency())).toBeNull();
    // 100 calls between 10 and 25 ms: the p99 lies at 99% of that bucket's width.
    expect(latencyP99(at(20, 100))).toBeCloseTo(10 + 15 * 0.99);
    // 98 fast calls and 2 slow ones: the 99th is slow.
    expect(latencyP99(mergeLatency([at(1, 98), at(400, 2)]))).toBeGreaterThan(250);
    // 995 fast and 5 slow: the 99th is fast.
    expect(latencyP99(mergeLatency([at(1, 995), at(400, 5)]))).toBeLessThanOrEqual(1);
    // Above the last bound all the histogram can say is that bound.
    expect(latencyP99(at(60_000, 3))).toBe(30_000);
    expect(latencyQuantile(at(3, 4), 0.5)).toBeCloseTo(3.5);
  });

  it("property: the p99 of merged buckets lies between the nodes' own p99s", () => {
    const histogram = fc.array(fc.nat({ max: 50 }), {
      minLength: LATENCY_BUCKET_COUNT,
      maxLength: LATENCY_BUCKET_COUNT,
    });
    fc.assert(
      fc.property(histogram, histogram, (a, b) => {
        const pa = latencyP99(a);
        const pb = latencyP99(b);
        const merged = latencyP99(mergeLatency([a, b]));
        if (pa === null || pb === null) return;
        expect(merged).not.toBeNull();
        expect(merged as number).toBeGreaterThanOrEqual(Math.min(pa, pb) - 1e-9);
        expect(merged as number).toBeLessThanOrEqual(Math.max(pa, pb) + 1e-9);
      }),
    );
  });
});

describe("countersDelta", () => {
  const before: CountersReading = {
    nodeId: "n1",
    startedAt: "2026-01-01T00:00:00.000Z",
    counters: [counters("2.0.0", { calls: 10, errors: 1, crashes: 1, latency: at(3, 10) })],
  };

  it("is what grew between the two readings", () => {
    const after: CountersReading = {
      ...before,
      counters: [
        counters("2.0.0", {
          calls: 25,
          errors: 4,
          crashes: 2,
          loadFailures: 1,
          latency: mergeLatency([at(3, 20), at(300, 5)]),
        }),
      ],
    };
    expect(countersDelta("2.0.0", before, after)).toEqual(
      counters("2.0.0", {
        calls: 15,
        errors: 3,
        crashes: 1,
        loadFailures: 1,
        latency: mergeLatency([at(3, 10), at(300, 5)]),
      }),
    );
  });

  it("counts everything when there was no reading before, or the node restarted in between", () => {
    const after: CountersReading = {
      ...before,
      counters: [counters("2.0.0", { calls: 4, latency: at(3, 4) })],
    };
    expect(countersDelta("2.0.0", null, after)?.calls).toBe(4);
    // Fewer calls than before: the node's counters started again.
    expect(countersDelta("2.0.0", before, after)?.calls).toBe(4);
    const restarted = {
      ...after,
      startedAt: "2026-01-01T00:05:00.000Z",
      counters: [counters("2.0.0", { calls: 30 })],
    };
    expect(countersDelta("2.0.0", before, restarted)?.calls).toBe(30);
  });

  it("is null for a version the node has no counters for", () => {
    expect(countersDelta("3.0.0", before, before)).toBeNull();
  });
});

describe("figuresBetween", () => {
  it("gives each node's figures of the version, with its p99 and buckets", () => {
    const start: CountersReading[] = [
      { nodeId: "n1", counters: [counters("2.0.0", { calls: 100, latency: at(3, 100) })] },
    ];
    const end: CountersReading[] = [
      {
        nodeId: "n1",
        counters: [
          counters("2.0.0", { calls: 200, errors: 5, latency: mergeLatency([at(3, 100), at(20, 100)]) }),
        ],
      },
      { nodeId: "n2", counters: [counters("2.0.0", { calls: 7, crashes: 2, latency: at(3, 7) })] },
      { nodeId: "n3", counters: [counters("1.0.0", { calls: 50, latency: at(3, 50) })] },
    ];
    const figures = figuresBetween("2.0.0", start, end);
    expect(figures.map((f) => [f.nodeId, f.calls, f.errors, f.crashes])).toEqual([
      ["n1", 100, 5, 0],
      ["n2", 7, 0, 2],
    ]);
    expect(figures[0]?.p99Ms).toBeCloseTo(10 + 15 * 0.99);
    expect(figures[0]?.latency).toEqual(at(20, 100));
    const idle = figuresBetween("2.0.0", end, end);
    expect(idle.map((f) => [f.calls, f.p99Ms])).toEqual([
      [0, null],
      [0, null],
    ]);
  });
});
