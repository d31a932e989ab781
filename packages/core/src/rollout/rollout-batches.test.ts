import type { CanaryStep, RolloutRequest } from "@arcade/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { expandRollout, rolloutOrder, stepTarget } from "./rollout-batches.js";
import { validateRolloutRequest } from "./validate-rollout.js";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${String(i).padStart(2, "0")}`);

describe("expandRollout: canary", () => {
  const request: RolloutRequest = {
    strategy: "canary",
    steps: [{ nodes: 1, hold: "60s" }, { percent: 50, hold: "5m" }, { percent: 100 }],
  };

  it("expands the issue's steps on 10 nodes into cumulative batches with their holds", () => {
    const batches = expandRollout(request, nodes(10));
    expect(batches.map((b) => [b.nodes.length, b.added.length, b.holdMs])).toEqual([
      [1, 1, 60_000],
      [5, 4, 300_000],
      [10, 5, 0],
    ]);
    expect(batches[0]?.nodes).toEqual(["node-00"]);
    expect(batches.every((b) => b.kind === "switch")).toBe(true);
  });

  it("keeps a step that adds no node on a small cluster (its hold still watches)", () => {
    const batches = expandRollout(request, nodes(2));
    expect(batches.map((b) => b.added.length)).toEqual([1, 0, 1]);
    expect(batches[1]?.holdMs).toBe(300_000);
  });

  it("appends an implicit step to every node when the last step falls short", () => {
    const batches = expandRollout({ strategy: "canary", steps: [{ nodes: 1, hold: 30 }] }, nodes(3));
    expect(batches).toHaveLength(2);
    expect(batches[0]).toMatchObject({ holdMs: 30_000, added: ["node-00"] });
    expect(batches[1]).toMatchObject({ holdMs: 0, added: ["node-01", "node-02"] });
  });

  it("takes the default steps when a canary names none", () => {
    expect(expandRollout({ strategy: "canary" }, nodes(4)).map((b) => b.nodes.length)).toEqual([1, 2, 4]);
  });

  it("with a seed, picks the same canary node every time, whatever order the ids come in", () => {
    const ids = nodes(8);
    const a = expandRollout(request, ids, { seed: "plugin_x" });
    const b = expandRollout(request, [...ids].reverse(), { seed: "plugin_x" });
    expect(a).toEqual(b);
    const firsts = new Set(["p1", "p2", "p3", "p4", "p5", "p6"].map((seed) => rolloutOrder(ids, seed)[0]));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it("with no live nodes, still ends with a (empty) step", () => {
    expect(expandRollout(request, [])).toEqual([
      { step: 0, kind: "switch", holdMs: 60_000, nodes: [], added: [] },
      { step: 1, kind: "switch", holdMs: 300_000, nodes: [], added: [] },
      { step: 2, kind: "switch", holdMs: 0, nodes: [], added: [] },
    ]);
  });

  it("property: batches grow, never repeat a node, and the last covers every live node", () => {
    const step = fc.oneof(
      fc.record({ nodes: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ percent: fc.integer({ min: 1, max: 100 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 6 }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 30 }),
        fc.option(fc.string(), { nil: undefined }),
        (raw: CanaryStep[], ids, seed) => {
          const steps = sortedWithinKind(raw);
          fc.pre(validateRolloutRequest({ strategy: "canary", steps }).length === 0);
          const batches = expandRollout({ strategy: "canary", steps }, ids, { seed });
          const added = batches.flatMap((b) => b.added);
          expect(new Set(added).size).toBe(added.length);
          expect([...added].sort()).toEqual([...ids].sort());
          for (let i = 1; i < batches.length; i++) {
            expect(batches[i]?.nodes.slice(0, batches[i - 1]?.nodes.length)).toEqual(batches[i - 1]?.nodes);
          }
          expect(batches.at(-1)?.nodes.length).toBe(ids.length);
          expect(expandRollout({ strategy: "canary", steps }, [...ids].reverse(), { seed })).toEqual(batches);
        },
      ),
    );
  });
});

/** Steps whose counts and percentages each grow (what validation asks). */
function sortedWithinKind(steps: CanaryStep[]): CanaryStep[] {
  const counts = [...new Set(steps.flatMap((s) => ("nodes" in s ? [s.nodes] : [])))].sort((a, b) => a - b);
  const percents = [...new Set(steps.flatMap((s) => ("percent" in s ? [s.percent] : [])))].sort(
    (a, b) => a - b,
  );
  return [...counts.map((n) => ({ nodes: n })), ...percents.map((p) => ({ percent: p }))];
}

describe("expandRollout: other strategies", () => {
  it("all-at-once is one step over every node", () => {
    expect(expandRollout({ strategy: "all-at-once" }, ["b", "a"])).toEqual([
      { step: 0, kind: "switch", holdMs: 0, nodes: ["a", "b"], added: ["a", "b"] },
    ]);
  });

  it("two-phase prepares every node, then switches them together", () => {
    const batches = expandRollout({ strategy: "two-phase" }, nodes(3));
    expect(batches.map((b) => [b.kind, b.nodes.length])).toEqual([
      ["prepare", 3],
      ["switch", 3],
    ]);
  });

  it("a split is one step that serves both versions on every node", () => {
    const batches = expandRollout({ strategy: "all-at-once", split: { "2.0.0": 10 } }, nodes(2), {
      versions: { fromVersion: "1.0.0", toVersion: "2.0.0" },
    });
    expect(batches).toEqual([{ step: 0, kind: "split", holdMs: 0, nodes: nodes(2), added: nodes(2) }]);
  });
});

describe("stepTarget", () => {
  it("rounds a percentage up, to at least one node, at most all", () => {
    expect(stepTarget({ percent: 10 }, 30)).toBe(3);
    expect(stepTarget({ percent: 1 }, 3)).toBe(1);
    expect(stepTarget({ percent: 50 }, 3)).toBe(2);
    expect(stepTarget({ nodes: 5 }, 3)).toBe(3);
    expect(stepTarget({ nodes: 5 }, 0)).toBe(0);
  });
});

describe("validateRolloutRequest", () => {
  it("names each problem with a pointer into the rollout member", () => {
    const errors = validateRolloutRequest({
      strategy: "canary",
      steps: [{ nodes: 2, hold: "5 minutes" }, { nodes: 2 }, { percent: 50 }, { percent: 40 }],
    });
    expect(errors.map((e) => e.path)).toEqual([
      "/rollout/steps/0/hold",
      "/rollout/steps/1/nodes",
      "/rollout/steps/3/percent",
    ]);
  });

  it("refuses steps outside a canary and a caller key without a split", () => {
    expect(
      validateRolloutRequest({ strategy: "two-phase", steps: [{ nodes: 1 }], callerKeyHeader: "x-user" }).map(
        (e) => e.path,
      ),
    ).toEqual(["/rollout/steps", "/rollout/callerKeyHeader"]);
  });

  it("checks a split: all-at-once only, versions that exist in the request, at most 100% in all", () => {
    const versions = { fromVersion: "1.0.0", toVersion: "2.0.0" };
    expect(validateRolloutRequest({ strategy: "all-at-once", split: { "2.0.0": 10 } }, versions)).toEqual([]);
    const errors = validateRolloutRequest(
      { strategy: "canary", split: { "1.0.0": 20, "3.0.0": 50, "x/y": 40 } },
      versions,
    );
    expect(errors.map((e) => e.path)).toEqual([
      "/rollout/split",
      "/rollout/split/1.0.0",
      "/rollout/split/3.0.0",
      "/rollout/split/x~1y",
      "/rollout/split",
    ]);
    expect(
      validateRolloutRequest(
        { strategy: "all-at-once", split: { "2.0.0": 10 } },
        { fromVersion: null, toVersion: "2.0.0" },
      ),
    ).toEqual([
      { path: "/rollout/split", message: "a split needs an installed version to share the calls with" },
    ]);
  });

  it("expandRollout throws VALIDATION_FAILED with those errors", () => {
    try {
      expandRollout({ strategy: "canary", steps: [{ nodes: 1, hold: "soon" }] }, ["a"]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("VALIDATION_FAILED");
      expect((error as AppError).errors[0]?.path).toBe("/rollout/steps/0/hold");
    }
  });
});
