import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convergenceOutcome, summarizeConvergence } from "./convergence.js";

const three = ["n1", "n2", "n3"];
const wait = { elapsedMs: 10_000, timeoutMs: 10_000 };
const change = { type: "update" as const, name: "slack", version: "2.0.0", timeoutMs: 10_000 };

describe("summarizeConvergence", () => {
  it("separates applied, failed (with errors) and pending nodes", () => {
    const { nodes, done } = summarizeConvergence(
      three,
      [
        { nodeId: "n1", outcome: "applied" },
        { nodeId: "n2", outcome: "failed", error: "init threw: boom" },
      ],
      wait,
    );
    expect(done).toBe(true);
    expect(nodes).toEqual({
      expected: 3,
      applied: ["n1"],
      failed: [{ nodeId: "n2", error: "init threw: boom" }],
      pending: ["n3"],
      degraded: true,
    });
  });

  it("is not final (nor degraded) while nodes may still answer", () => {
    const summary = summarizeConvergence(three, [{ nodeId: "n1", outcome: "applied" }], {
      elapsedMs: 2000,
      timeoutMs: 10_000,
    });
    expect(summary.done).toBe(false);
    expect(summary.nodes.degraded).toBeUndefined();
  });

  it("is final as soon as every node answered; a node's latest answer counts; strangers are left out", () => {
    const summary = summarizeConvergence(
      ["n1", "n2"],
      [
        { nodeId: "n1", outcome: "failed", error: "busy" },
        { nodeId: "n2", outcome: "applied" },
        { nodeId: "n9", outcome: "failed", error: "not ours" },
        { nodeId: "n1", outcome: "applied" },
      ],
      { elapsedMs: 1, timeoutMs: 10_000 },
    );
    expect(summary).toEqual({
      done: true,
      nodes: { expected: 2, applied: ["n1", "n2"], failed: [], pending: [] },
    });
  });
});

describe("summarizeConvergence: property", () => {
  it("applied, failed and pending split the expected nodes; failed only when none applied", () => {
    const id = fc.constantFrom("n1", "n2", "n3", "n4", "n5", "n6");
    const answer = fc.record({
      nodeId: id,
      outcome: fc.constantFrom("applied" as const, "failed" as const),
      error: fc.string(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(id), fc.array(answer, { maxLength: 12 }), (expected, answers) => {
        const { nodes, done } = summarizeConvergence(expected, answers, wait);
        expect(done).toBe(true);
        const all = [...nodes.applied, ...nodes.failed.map((f) => f.nodeId), ...nodes.pending];
        expect([...all].sort()).toEqual([...expected].sort());
        expect(nodes.expected).toBe(expected.length);
        const outcome = convergenceOutcome(nodes, change);
        expect(outcome.state === "failed").toBe(expected.length > 0 && nodes.applied.length === 0);
        expect(nodes.degraded === true).toBe(
          nodes.applied.length > 0 && nodes.applied.length < expected.length,
        );
      }),
    );
  });
});

describe("convergenceOutcome", () => {
  it("every node applied: succeeded, not degraded", () => {
    const { nodes } = summarizeConvergence(
      three,
      three.map((nodeId) => ({ nodeId, outcome: "applied" as const })),
      wait,
    );
    expect(convergenceOutcome(nodes, change)).toEqual({ state: "succeeded", nodes });
    expect(nodes.degraded).toBeUndefined();
  });

  it("some applied: succeeded and degraded, with the lists", () => {
    const { nodes } = summarizeConvergence(three, [{ nodeId: "n1", outcome: "applied" }], wait);
    const outcome = convergenceOutcome(nodes, change);
    expect(outcome.state).toBe("succeeded");
    expect(outcome.nodes).toMatchObject({ degraded: true, pending: ["n2", "n3"] });
  });

  it("an init that throws everywhere: failed PLUGIN_LOAD_FAILED with each node's reason; the old version stays", () => {
    const { nodes } = summarizeConvergence(
      three,
      three.map((nodeId) => ({ nodeId, outcome: "failed" as const, error: "init threw: boom" })),
      wait,
    );
    const outcome = convergenceOutcome(nodes, change);
    expect(outcome).toMatchObject({ state: "failed", recovery: "keep-previous-version" });
    if (outcome.state !== "failed") throw new Error("expected failed");
    expect(outcome.error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(outcome.error.message).toBe("no node could load slack 2.0.0 (3 expected: 3 failed)");
    expect(outcome.error.errors).toEqual(
      three.map((n) => ({ path: `/nodes/${n}`, message: "init threw: boom" })),
    );
  });

  it("an init that hangs everywhere is not a success: failed, each node pending with the timeout as reason", () => {
    const { nodes } = summarizeConvergence(three, [], wait);
    const outcome = convergenceOutcome(nodes, { ...change, type: "install" });
    expect(outcome).toMatchObject({ state: "failed", recovery: "roll-back-install" });
    if (outcome.state !== "failed") throw new Error("expected failed");
    expect(outcome.error.errors?.[0]).toEqual({
      path: "/nodes/n1",
      message: "no answer within 10s (node.convergence_timeout)",
    });
    expect(outcome.error.message).toContain("3 did not answer");
  });

  it("no live node: nothing to apply, succeeded", () => {
    const { nodes } = summarizeConvergence([], [], wait);
    expect(convergenceOutcome(nodes, change)).toEqual({
      state: "succeeded",
      nodes: { expected: 0, applied: [], failed: [], pending: [] },
    });
  });
});
