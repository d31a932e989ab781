import type { AnalysisVerdict, RolloutState } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { expandRollout } from "./rollout-batches.js";
import {
  advanceRollout,
  MAX_EXTRA_HOLDS,
  type RolloutEvent,
  rolloutAbortedError,
  startRollout,
} from "./rollout-machine.js";

const at = new Date("2026-12-02T06:00:00.000Z");
const nodes = ["n1", "n2", "n3", "n4"];

function canary(): RolloutState {
  const batches = expandRollout(
    { strategy: "canary", steps: [{ nodes: 1, hold: "60s" }, { percent: 50, hold: "5m" }, { percent: 100 }] },
    nodes,
  );
  return startRollout({ strategy: "canary", batches, fromVersion: "1.0.0", toVersion: "2.0.0" });
}

function verdict(decision: AnalysisVerdict["decision"], message = "figures"): AnalysisVerdict {
  const figures = {
    version: "2.0.0",
    nodes: [],
    loadFailures: 0,
    crashes: 0,
    calls: 0,
    errors: 0,
    errorRate: null,
    p99Ms: null,
  };
  return {
    decision,
    findings:
      decision === "continue"
        ? []
        : [{ check: decision === "abort" ? "errorRate" : "sample", observed: 0.2, limit: 0.05, message }],
    canary: figures,
    baseline: null,
  };
}

function run(state: RolloutState, ...events: RolloutEvent[]): RolloutState {
  let current = state;
  for (const event of events) {
    const next = advanceRollout(current, event);
    if (!next.ok) throw new Error(`refused ${event.type}: ${next.message}`);
    current = next.state;
  }
  return current;
}

const applied: RolloutEvent = { type: "applied", at };
const holdEnded: RolloutEvent = { type: "hold-ended" };
const judged = (decision: AnalysisVerdict["decision"], message?: string): RolloutEvent => ({
  type: "analysed",
  verdict: verdict(decision, message),
  at,
});
const cmd = (
  command: "pause" | "resume" | "abort" | "promote",
  reason?: string,
  when = at,
): RolloutEvent => ({
  type: "command",
  command,
  by: "ops",
  at: when,
  ...(reason ? { reason } : {}),
});

describe("rollout state machine", () => {
  it("promotes a healthy canary step by step to completed, tracking who serves what", () => {
    let state = canary();
    expect(state.nodesByVersion).toEqual({ "1.0.0": nodes });
    state = run(state, applied);
    expect(state).toMatchObject({ phase: "holding", holdUntil: "2026-12-02T06:01:00.000Z" });
    expect(state.nodesByVersion).toEqual({ "1.0.0": ["n2", "n3", "n4"], "2.0.0": ["n1"] });
    state = run(state, holdEnded, judged("continue"));
    expect(state).toMatchObject({ step: 1, phase: "applying", status: "running" });
    state = run(state, applied, holdEnded, judged("continue"), applied, holdEnded, judged("continue"));
    expect(state).toMatchObject({ status: "completed", step: 2 });
    expect(state.nodesByVersion).toEqual({ "2.0.0": nodes });
  });

  it("an abort verdict ends the rollout with the analysis' reason; the job fails ROLLOUT_ABORTED", () => {
    const state = run(canary(), applied, holdEnded, judged("abort", "2.0.0 failed 20 of 100 calls (20%)"));
    expect(state).toMatchObject({
      status: "aborted",
      by: "analysis",
      reason: "2.0.0 failed 20 of 100 calls (20%)",
    });
    const error = rolloutAbortedError(state);
    expect(error.code).toBe("ROLLOUT_ABORTED");
    expect(error.message).toContain("at step 0: 2.0.0 failed 20 of 100 calls");
    expect(error.errors).toEqual([
      { path: "/rollout/verdict/errorRate", message: "2.0.0 failed 20 of 100 calls (20%)" },
    ]);
  });

  it("holds again when the analysis is inconclusive, then pauses for an operator", () => {
    let state = run(canary(), applied, holdEnded);
    for (let i = 1; i <= MAX_EXTRA_HOLDS; i++) {
      state = run(state, judged("inconclusive"), holdEnded);
      expect(state.extraHolds).toBe(i);
    }
    state = run(state, judged("inconclusive", "2.0.0 served 3 calls, fewer than the 50 needed to judge"));
    expect(state).toMatchObject({ status: "paused", by: "analysis" });
    expect(state.reason).toContain("fewer than the 50 needed");
    state = run(state, cmd("resume"));
    expect(state).toMatchObject({ status: "running", phase: "holding", extraHolds: 0 });
  });

  it("pause and resume: a resumed step holds a full hold again; paused analyses are refused", () => {
    let state = run(canary(), applied, cmd("pause", "looking at logs"));
    expect(state).toMatchObject({ status: "paused", by: "ops", reason: "looking at logs" });
    expect(advanceRollout(state, holdEnded)).toEqual({ ok: false, message: "no hold is running" });
    state = run(state, cmd("resume", undefined, new Date(at.getTime() + 3_600_000)));
    expect(state).toMatchObject({ status: "running", holdUntil: "2026-12-02T07:01:00.000Z" });
  });

  it("promote switches every node at once; nothing applies after the end", () => {
    const state = run(canary(), applied, cmd("promote"));
    expect(state).toMatchObject({ status: "promoted", by: "ops", nodesByVersion: { "2.0.0": nodes } });
    for (const event of [applied, cmd("abort"), cmd("resume")]) {
      expect(advanceRollout(state, event)).toEqual({
        ok: false,
        message: "the rollout has ended (promoted)",
      });
    }
  });

  it("refuses a resume that is not paused and a pause that is not running", () => {
    expect(advanceRollout(canary(), cmd("resume"))).toEqual({
      ok: false,
      message: "the rollout is not paused",
    });
    const paused = run(canary(), cmd("pause"));
    expect(advanceRollout(paused, cmd("pause"))).toEqual({
      ok: false,
      message: "the rollout is not running",
    });
  });

  it("an operator's abort says who and why", () => {
    const state = run(canary(), cmd("abort", "wrong build"));
    expect(rolloutAbortedError(state)).toMatchObject({
      message: "the rollout of 2.0.0 was aborted by ops: wrong build",
      errors: [],
    });
  });

  it("two-phase: the prepare step keeps every node on the old version until the switch", () => {
    const batches = expandRollout({ strategy: "two-phase" }, nodes);
    let state = startRollout({ strategy: "two-phase", batches, fromVersion: "1.0.0", toVersion: "2.0.0" });
    state = run(state, applied);
    expect(state.nodesByVersion).toEqual({ "1.0.0": nodes });
    state = run(state, holdEnded, judged("continue"), applied);
    expect(state.nodesByVersion).toEqual({ "2.0.0": nodes });
  });

  it("a split serves both versions on every node", () => {
    const split = { "2.0.0": 10 };
    const batches = expandRollout({ strategy: "all-at-once", split }, nodes);
    const state = run(
      startRollout({ strategy: "all-at-once", batches, fromVersion: "1.0.0", toVersion: "2.0.0", split }),
      applied,
    );
    expect(state.nodesByVersion).toEqual({ "1.0.0": nodes, "2.0.0": nodes });
    expect(state.split).toEqual(split);
  });
});
