import { describe, expect, it } from "vitest";
import { emptyLatency } from "../rollout/figures.js";
import { startRollout } from "../rollout/rollout-machine.js";
import { PhasesFake, phasesRun } from "./rollout-phases-fake.js";
import { applySplit, holdSplit, SPLIT_FIGURES_MS, splitFigures } from "./rollout-split.js";

const run = phasesRun({ strategy: "all-at-once", split: { "2.0.0": 10 }, callerKeyHeader: "X-Caller" });
const batch = { step: 0, kind: "split" as const, holdMs: 0, nodes: ["n1", "n2"], added: ["n1", "n2"] };

function counters(version: string, calls: number, errors = 0) {
  const latency = emptyLatency();
  latency[2] = calls;
  return { version, loadFailures: 0, crashes: 0, calls, errors, latency };
}

describe("A/B split", () => {
  it("places the new version alongside with its share, the job id as salt and the caller key header", async () => {
    const fake = new PhasesFake();
    await applySplit(fake.svc, run, batch);
    expect(fake.writes).toEqual([
      expect.objectContaining({
        nodes: [],
        alongside: { share: 10, salt: "job-1", callerKeyHeader: "X-Caller" },
        hold: false,
      }),
    ]);
    expect(fake.waits[0]?.versionFor("n1")).toBe("2.0.0");
  });

  it("a node that did not load the new version in time counts as failed (the split needs every node)", async () => {
    const fake = new PhasesFake();
    fake.answer = () => ({ expected: 2, applied: ["n1"], failed: [], pending: ["n2"], degraded: true });
    const nodes = await applySplit(
      fake.svc,
      phasesRun({ strategy: "all-at-once", split: { "2.0.0": 5 } }),
      batch,
    );
    expect(nodes.failed.map((f) => f.nodeId)).toEqual(["n2"]);
    expect(fake.writes[0]?.alongside?.callerKeyHeader).toBeNull();
  });

  it("figures per version since the split, over every node, the installed version first", () => {
    const before = [
      { nodeId: "n1", counters: [counters("1.0.0", 100, 1), counters("2.0.0", 0)] },
      { nodeId: "n2", counters: [counters("1.0.0", 50)] },
    ];
    const after = [
      { nodeId: "n1", counters: [counters("1.0.0", 190, 1), counters("2.0.0", 10, 1)] },
      { nodeId: "n2", counters: [counters("1.0.0", 140, 2), counters("2.0.0", 10)] },
    ];
    const [old, next] = splitFigures(run, before, after);
    expect(old).toMatchObject({ version: "1.0.0", nodes: ["n1", "n2"], calls: 180, errors: 2 });
    expect(next).toMatchObject({
      version: "2.0.0",
      nodes: ["n1", "n2"],
      calls: 20,
      errors: 1,
      errorRate: 0.05,
    });
    expect(next?.p99Ms).not.toBeNull();
  });

  it("holds without an end: stores and publishes the figures at once, then only every few seconds", async () => {
    const fake = new PhasesFake();
    const state = {
      ...startRollout({
        strategy: "all-at-once",
        batches: [batch],
        fromVersion: "1.0.0",
        toVersion: "2.0.0",
      }),
      phase: "holding" as const,
      holdUntil: new Date().toISOString(),
    };
    fake.nodes = () => [];
    const first = await holdSplit(fake.svc, run, state, []);
    expect(first.holdUntil).toBeNull();
    expect(first.figures?.versions.map((v) => v.version)).toEqual(["1.0.0", "2.0.0"]);
    expect(fake.events).toEqual([{ type: "rollout", rollout: first }]);
    expect(fake.jobResult?.rollout).toEqual(first);
    // Within SPLIT_FIGURES_MS: nothing new is stored or sent.
    expect(await holdSplit(fake.svc, run, first, [])).toBe(first);
    expect(fake.events).toHaveLength(1);
    const stale = {
      ...first,
      figures: { at: new Date(Date.now() - SPLIT_FIGURES_MS - 1).toISOString(), versions: [] },
    };
    const refreshed = await holdSplit(fake.svc, run, stale, []);
    expect(refreshed.figures?.versions).toHaveLength(2);
    expect(fake.events).toHaveLength(2);
  });
});
