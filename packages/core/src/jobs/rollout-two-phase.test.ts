import { describe, expect, it } from "vitest";
import { isAppError } from "../errors/app-error.js";
import { startRollout } from "../rollout/rollout-machine.js";
import { heartbeat, PhasesFake, phasesRun } from "./rollout-phases-fake.js";
import { applyPrepare, applyTwoPhaseSwitch } from "./rollout-two-phase.js";

const run = phasesRun({ strategy: "two-phase" });
const prepare = {
  step: 0,
  kind: "prepare" as const,
  holdMs: 0,
  nodes: ["n1", "n2", "n3"],
  added: ["n1", "n2", "n3"],
};
const switchBatch = { step: 1, kind: "switch" as const, holdMs: 0, nodes: ["n1", "n2", "n3"], added: [] };

/** Every node at `revision`, the new version prepared beside the old one, holding or not. */
function prepared(revision: number, holding: (nodeId: string) => boolean) {
  return ["n1", "n2", "n3"].map((id) =>
    heartbeat(id, revision, { serving: { "1.0.0": 100, "2.0.0": 0 }, holding: holding(id) }),
  );
}

describe("two-phase prepare", () => {
  it("writes the new version alongside with share 0 (no hold) with a revision bump, and waits for every node on it", async () => {
    const fake = new PhasesFake();
    const nodes = await applyPrepare(fake.svc, run, prepare);
    expect(fake.writes).toEqual([
      expect.objectContaining({
        pluginId: run.pluginId,
        jobId: "job-1",
        fromVersion: "1.0.0",
        toVersion: "2.0.0",
        nodes: [],
        alongside: { share: 0, salt: "job-1", callerKeyHeader: null },
        hold: false,
      }),
    ]);
    expect(fake.waits.map((w) => w.revision)).toEqual([11]);
    expect(fake.waits[0]?.versionFor("n2")).toBe("2.0.0");
    expect(nodes.applied).toEqual(["n1", "n2", "n3"]);
  });

  it("answers silent nodes as failed with the reason, so the driver aborts: a node that did not prepare cannot switch", async () => {
    const fake = new PhasesFake();
    fake.answer = () => ({
      expected: 3,
      applied: ["n1"],
      failed: [{ nodeId: "n2", error: "init threw: nope" }],
      pending: ["n3"],
      degraded: true,
    });
    const nodes = await applyPrepare(fake.svc, run, prepare);
    expect(nodes).toEqual({
      expected: 3,
      applied: ["n1"],
      failed: [
        { nodeId: "n2", error: "init threw: nope" },
        { nodeId: "n3", error: "did not report 2.0.0 loaded within 300ms (node.convergence_timeout)" },
      ],
      pending: [],
    });
  });
});

describe("two-phase switch", () => {
  it("freezes, waits until every node holds, then moves the plugin row and removes the placement in one step", async () => {
    const fake = new PhasesFake();
    let reads = 0;
    // n3 holds only on the third read: its calls in flight are still finishing.
    fake.nodes = (revision) => {
      reads += 1;
      return prepared(revision, (id) => id !== "n3" || reads >= 3);
    };
    const nodes = await applyTwoPhaseSwitch(fake.svc, run, switchBatch);
    expect(reads).toBe(3);
    expect(fake.writes).toEqual([
      expect.objectContaining({ alongside: { share: 0, salt: "job-1", callerKeyHeader: null }, hold: true }),
      null,
    ]);
    expect(fake.placement).toBeNull();
    expect(fake.plugin.version).toBe("2.0.0");
    expect(fake.plugin.checksum).toBe(run.checksum);
    // Freeze, then the switch: two revisions, each waited for.
    expect(fake.waits.map((w) => w.revision)).toEqual([11, 12]);
    expect(nodes.failed).toEqual([]);
  });

  it("does not switch while a node has reached the freeze's revision but does not hold: unfreezes and aborts", async () => {
    const fake = new PhasesFake(200);
    fake.jobResult = {
      rollout: startRollout({
        strategy: "two-phase",
        batches: [prepare, switchBatch],
        fromVersion: "1.0.0",
        toVersion: "2.0.0",
      }),
    };
    fake.nodes = (revision) => prepared(revision, (id) => id !== "n2");
    const error = await applyTwoPhaseSwitch(fake.svc, run, switchBatch).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("ROLLOUT_ABORTED");
    if (!isAppError(error)) throw error;
    expect(error.message).toMatch(/1 of 3 nodes did not acknowledge the freeze/);
    expect(error.errors).toEqual([
      { path: "/nodes/n2", message: expect.stringMatching(/did not acknowledge the freeze/) },
    ]);
    expect(error.extras.rollout).toMatchObject({ status: "aborted", by: "analysis" });
    expect(fake.jobResult?.rollout).toMatchObject({ status: "aborted" });
    // Unfrozen: the placement is gone, the row never moved, the new version row goes.
    expect(fake.writes.at(-1)).toBeNull();
    expect(fake.placement).toBeNull();
    expect(fake.plugin.version).toBe("1.0.0");
    expect(fake.deletedVersions).toEqual(["2.0.0"]);
  });

  it("aborts on a node that did not even reach the freeze's revision", async () => {
    const fake = new PhasesFake(100);
    fake.answer = () => ({ expected: 3, applied: ["n1", "n2"], failed: [], pending: ["n3"] });
    fake.nodes = (revision) => prepared(revision, () => true);
    await expect(applyTwoPhaseSwitch(fake.svc, run, switchBatch)).rejects.toMatchObject({
      code: "ROLLOUT_ABORTED",
      errors: [{ path: "/nodes/n3" }],
    });
    expect(fake.plugin.version).toBe("1.0.0");
  });

  it("a node that left the cluster during the freeze is not waited for", async () => {
    const fake = new PhasesFake();
    fake.nodes = (revision) => prepared(revision, () => true).filter((n) => n.nodeId !== "n3");
    fake.answer = () => ({ expected: 3, applied: ["n1", "n2", "n3"], failed: [], pending: [] });
    await applyTwoPhaseSwitch(fake.svc, run, switchBatch);
    expect(fake.plugin.version).toBe("2.0.0");
  });

  it("a resumed job whose earlier attempt already switched only finishes (no second freeze)", async () => {
    const fake = new PhasesFake();
    fake.plugin = { ...fake.plugin, version: "2.0.0", checksum: run.checksum };
    await applyTwoPhaseSwitch(fake.svc, run, switchBatch);
    expect(fake.writes).toEqual([null]);
  });
});
