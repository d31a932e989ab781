import { randomBytes } from "node:crypto";
import type { RolloutState } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { type Platform, usePlatform } from "../harness/index.js";
import { clusterNodes, pluginDetail, pluginOnNode, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";
import {
  CallStream,
  callServed,
  describeCalls,
  type ServedCall,
  servedAtZip,
  updateWithRollout,
  waitServing,
} from "./served-at-plugin.js";

// two-phase (docs/rollouts.md): every node loads the new version beside the old one and
// health-checks it while the old one serves; then every node holds new calls and finishes the
// ones in flight, and only once all of them did, every node switches. Calls streamed to all
// three nodes during the switch show it: every call the old version answered was served (start
// to end, by the plugin's own clock) before any call the new version answered.

const NODES = 3;
/** Each call keeps the plugin busy this long, so calls are in flight when the freeze comes. */
const WORK_MS = 15;
/** A hard bound on the calls of each client, whatever happens (a stuck test must end). */
const MAX_CALLS_PER_CLIENT = 3000;
/** A call far longer than node.convergence_timeout (15 s in the harness) and any prepare phase. */
const LONG_CALL_MS = 45_000;

describe("rollouts: two-phase", () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "two-phase",
  });
  const suffix = randomBytes(3).toString("hex");

  it("switches every node together under a stream of calls: no old answer after any new one, no failed call", async () => {
    const p = platform();
    const installed = await uploadAndWait(p, await servedAtZip(`tp-switch-${suffix}`, "1.0.0"));
    const pluginId = installed.pluginId;
    await waitServing(p, pluginId, "1.0.0");

    const stream = new CallStream(p, pluginId, {
      clientsPerNode: 3,
      maxCallsPerClient: MAX_CALLS_PER_CLIENT,
      workMs: WORK_MS,
    }).start();
    let calls: ServedCall[];
    try {
      // Some calls on the old version on every node before the rollout starts.
      await waitUntil("every node answered 1.0.0 a few times", async () =>
        [0, 1, 2].every((n) => stream.calls.filter((c) => c.node === n && c.version === "1.0.0").length >= 5)
          ? true
          : undefined,
      );
      const accepted = await updateWithRollout(
        p,
        pluginId,
        await servedAtZip(`tp-switch-${suffix}`, "2.0.0"),
        {
          strategy: "two-phase",
        },
      );
      const job = await p.waitJob(accepted.jobId);
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      const rollout = job.result?.rollout as RolloutState | undefined;
      expect(rollout?.strategy).toBe("two-phase");
      expect(rollout?.status).toBe("completed");
      expect(rollout?.steps.map((s) => s.kind)).toEqual(["prepare", "switch"]);
      // Calls keep coming after the switch until every node answered the new version a few times.
      const started = stream.calls.length;
      await waitUntil("every node answered 2.0.0 a few times after the job ended", async () =>
        [0, 1, 2].every(
          (n) => stream.calls.slice(started).filter((c) => c.node === n && c.version === "2.0.0").length >= 5,
        )
          ? true
          : undefined,
      );
    } finally {
      calls = await stream.stop();
    }

    const failed = calls.filter((c) => c.status !== 200);
    expect(failed, `failed calls: ${describeCalls(failed)}`).toEqual([]);
    // The host and the plugin agree on who answered, and nothing else did.
    expect(calls.filter((c) => c.version !== c.hostVersion)).toEqual([]);
    expect(new Set(calls.map((c) => c.version))).toEqual(new Set(["1.0.0", "2.0.0"]));
    const v1 = calls.filter((c) => c.version === "1.0.0");
    const v2 = calls.filter((c) => c.version === "2.0.0");
    for (let n = 0; n < NODES; n += 1) {
      expect(v1.filter((c) => c.node === n).length, `node ${n} answered 1.0.0`).toBeGreaterThan(0);
      expect(v2.filter((c) => c.node === n).length, `node ${n} answered 2.0.0`).toBeGreaterThan(0);
    }
    // The machine's monotonic clock, read by the plugin in each node's plugin process.
    const lastOld = v1.reduce((max, c) => ((c.endHr ?? 0n) > max ? (c.endHr ?? 0n) : max), 0n);
    const firstNew = v2.reduce(
      (min, c) => ((c.startHr ?? 0n) < min ? (c.startHr ?? 0n) : min),
      v2[0]?.startHr ?? 0n,
    );
    const mixed = [
      ...v1.filter((c) => (c.endHr ?? 0n) >= firstNew),
      ...v2.filter((c) => (c.startHr ?? 0n) <= lastOld),
    ];
    expect(mixed, `calls served while the other version served too: ${describeCalls(mixed, 10)}`).toEqual([]);
    expect(lastOld < firstNew).toBe(true);

    // Afterwards every node serves 2.0.0 only, and the plugin's version is 2.0.0.
    for (let n = 0; n < NODES; n += 1) {
      const after = await callServed(p, n, pluginId);
      expect(after.version, `node ${n}`).toBe("2.0.0");
    }
    expect((await pluginDetail(p, pluginId)).body.version).toBe("2.0.0");
    const nodes = await clusterNodes(p);
    for (const api of p.apis) {
      const state = pluginOnNode(nodes, api.nodeId, pluginId);
      expect(state?.version).toBe("2.0.0");
      expect(state?.holding ?? false).toBe(false);
      if (state?.serving) expect(state.serving).toEqual({ "2.0.0": 100 });
    }
  });

  it("fails the job with every node's reason when the new version cannot prepare, and the old one never stops serving", async () => {
    const p = platform();
    const name = `tp-broken-${suffix}`;
    const installed = await uploadAndWait(p, await servedAtZip(name, "1.0.0"));
    const pluginId = installed.pluginId;
    await waitServing(p, pluginId, "1.0.0");

    const stream = new CallStream(p, pluginId, {
      clientsPerNode: 2,
      maxCallsPerClient: MAX_CALLS_PER_CLIENT,
      workMs: 5,
    }).start();
    let calls: ServedCall[];
    let job: Awaited<ReturnType<typeof p.waitJob>>;
    try {
      const accepted = await updateWithRollout(
        p,
        pluginId,
        await servedAtZip(name, "2.0.0", { initThrows: "init refused on purpose" }),
        { strategy: "two-phase" },
      );
      job = await p.waitJob(accepted.jobId);
      // A few more calls once the job ended: still the old version.
      const ended = stream.calls.length;
      await waitUntil("every node answered after the job ended", async () =>
        [0, 1, 2].every((n) => stream.calls.slice(ended).some((c) => c.node === n)) ? true : undefined,
      );
    } finally {
      calls = await stream.stop();
    }

    expect(job.state).toBe("failed");
    expect(job.error?.code).toBe("ROLLOUT_ABORTED");
    // The prepare step's load failures abort it, as a canary's would: every node with its reason.
    const errors = job.error?.errors ?? [];
    expect(errors.map((e) => e.path)).toEqual(["/rollout/verdict/loadFailures"]);
    for (const api of p.apis) {
      expect(errors[0]?.message).toMatch(new RegExp(`${api.nodeId}: [^;]*init refused on purpose`));
    }
    const rollout = job.error?.rollout as RolloutState | undefined;
    expect(rollout?.status).toBe("aborted");
    expect(rollout?.by).toBe("analysis");
    expect(rollout?.step).toBe(0);
    expect(rollout?.verdict?.findings.map((f) => f.check)).toContain("loadFailures");

    expect(
      calls.filter((c) => c.status !== 200),
      describeCalls(calls.filter((c) => c.status !== 200)),
    ).toEqual([]);
    expect(new Set(calls.map((c) => c.version))).toEqual(new Set(["1.0.0"]));
    expect((await pluginDetail(p, pluginId)).body.version).toBe("1.0.0");
    await expectOldVersionOnly(p, pluginId);
  });

  it("aborts and unfreezes when a node cannot finish its calls in flight within node.convergence_timeout", async () => {
    const p = platform();
    const name = `tp-stuck-${suffix}`;
    const installed = await uploadAndWait(p, await servedAtZip(name, "1.0.0"));
    const pluginId = installed.pluginId;
    await waitServing(p, pluginId, "1.0.0");

    // A call far longer than the convergence timeout (15 s here) and than the prepare phase: node
    // 1 cannot acknowledge the freeze while it runs, because it must finish it on 1.0.0 first.
    const long = callServed(p, 1, pluginId, { workMs: LONG_CALL_MS, timeoutMs: LONG_CALL_MS * 2 });
    const stream = new CallStream(p, pluginId, {
      clientsPerNode: 2,
      maxCallsPerClient: MAX_CALLS_PER_CLIENT,
      workMs: 5,
    }).start();
    let calls: ServedCall[];
    let job: Awaited<ReturnType<typeof p.waitJob>>;
    try {
      const accepted = await updateWithRollout(p, pluginId, await servedAtZip(name, "2.0.0"), {
        strategy: "two-phase",
      });
      job = await p.waitJob(accepted.jobId);
      const ended = stream.calls.length;
      await waitUntil("every node answered after the job ended", async () =>
        [0, 1, 2].every((n) => stream.calls.slice(ended).some((c) => c.node === n)) ? true : undefined,
      );
    } finally {
      calls = await stream.stop();
    }
    const longCall = await long;

    expect(job.state).toBe("failed");
    expect(job.error?.code).toBe("ROLLOUT_ABORTED");
    expect(job.error?.message).toMatch(/freeze|hold/i);
    expect(JSON.stringify(job.error?.errors ?? [])).toContain(p.apis[1]?.nodeId ?? "?");
    // The job gave up while the long call was still running on the old version, which then
    // finished there; nobody else's call failed or met the new version.
    expect(longCall.status, describeCalls([longCall])).toBe(200);
    expect(longCall.version).toBe("1.0.0");
    expect(
      calls.filter((c) => c.status !== 200),
      describeCalls(calls.filter((c) => c.status !== 200)),
    ).toEqual([]);
    expect(new Set(calls.map((c) => c.version))).toEqual(new Set(["1.0.0"]));
    expect((await pluginDetail(p, pluginId)).body.version).toBe("1.0.0");
    await expectOldVersionOnly(p, pluginId);
  });
});

/** The plugin runs 1.0.0 alone on every node: nothing loaded beside it, no node holds calls. */
async function expectOldVersionOnly(p: Platform, pluginId: string): Promise<void> {
  await waitUntil("every node serves 1.0.0 alone, holding nothing", async () => {
    const nodes = await clusterNodes(p);
    const states = p.apis.map((a) => pluginOnNode(nodes, a.nodeId, pluginId));
    return states.every(
      (s) => s?.version === "1.0.0" && !s.holding && (s.serving === undefined || !("2.0.0" in s.serving)),
    )
      ? true
      : undefined;
  });
}
