import { randomBytes } from "node:crypto";
import type { JobResource, JobStreamEvent, Problem, RolloutRequest, RolloutState } from "@arcade/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { buildPluginZip, type Platform, usePlatform } from "../harness/index.js";
import { type Received, readStream } from "../jobs/sse.js";
import { clusterNodes, pluginOnNode, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";

// canary (docs/rollouts.md) on a 3-node platform: the worker puts the new version on a first
// node, watches its own figures against the old version on the others for the step's hold, and
// goes on, or rolls it back by itself; operators pause, resume, promote or abort it.

const API = "/api/v1";
const NODES = 3;
/** A bound on every loop of calls, whatever happens (a stuck test must end). */
const MAX_CALLS_PER_CLIENT = 5000;

/** The plugin: `execute` answers its version; with `failEvery`, every n-th call of a process throws. */
function canarySource(version: string, failEvery = 0): string {
  return [
    `const VERSION = ${JSON.stringify(version)};`,
    "let calls = 0;",
    "export default {",
    "  async init() {},",
    "  actions: {",
    "    async execute() {",
    "      calls += 1;",
    failEvery > 0 ? `      if (calls % ${failEvery} === 0) throw new Error("canary failure " + calls);` : "",
    "      return { version: VERSION };",
    "    },",
    "  },",
    "  async cleanup() {},",
    "};",
    "",
  ].join("\n");
}

function canaryZip(name: string, version: string, failEvery = 0): Promise<Buffer> {
  return buildPluginZip({ name, version, source: canarySource(version, failEvery) });
}

interface Call {
  node: number;
  status: number;
  version: string | null;
}

async function callNode(p: Platform, node: number, pluginId: string): Promise<Call> {
  try {
    const res = await p.call<{ result: { version: string } }>(
      "POST",
      `${API}/plugins/${encodeURIComponent(pluginId)}/actions/execute`,
      { params: {} },
      { apiIndex: node },
    );
    return { node, status: res.status, version: res.status === 200 ? res.body.result.version : null };
  } catch {
    return { node, status: 0, version: null };
  }
}

/** Clients calling every node in a loop (one call at a time each) until stopped. */
class Traffic {
  readonly calls: Call[] = [];
  private stopped = false;
  private readonly runners: Promise<void>[] = [];

  constructor(
    private readonly p: Platform,
    private readonly pluginId: string,
  ) {}

  start(): this {
    for (let node = 0; node < NODES; node += 1) {
      for (let c = 0; c < 2; c += 1) this.runners.push(this.run(node));
    }
    return this;
  }

  async stop(): Promise<Call[]> {
    this.stopped = true;
    await Promise.all(this.runners);
    return this.calls;
  }

  private async run(node: number): Promise<void> {
    for (let n = 0; n < MAX_CALLS_PER_CLIENT && !this.stopped; n += 1) {
      this.calls.push(await callNode(this.p, node, this.pluginId));
    }
  }
}

async function updateWithRollout(
  p: Platform,
  pluginId: string,
  zip: Uint8Array,
  rollout: RolloutRequest,
): Promise<JobResource> {
  const res = await p.updateZip(pluginId, zip, { fields: { rollout: JSON.stringify(rollout) } });
  expect(res.status, res.text).toBe(202);
  return res.body;
}

async function getJob(p: Platform, jobId: string): Promise<JobResource> {
  const res = await p.call<JobResource>("GET", `${API}/jobs/${encodeURIComponent(jobId)}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

function rolloutOf(job: JobResource): RolloutState | undefined {
  return job.result?.rollout as RolloutState | undefined;
}

/** The job once its rollout is in `predicate`'s state (polled). */
function rolloutReaches(p: Platform, jobId: string, what: string, predicate: (r: RolloutState) => boolean) {
  return waitUntil(
    what,
    async () => {
      const job = await getJob(p, jobId);
      const rollout = rolloutOf(job);
      return rollout && predicate(rollout) ? { job, rollout } : undefined;
    },
    { timeoutMs: 60_000, describe: async () => JSON.stringify(rolloutOf(await getJob(p, jobId))) },
  );
}

function command(p: Platform, jobId: string, verb: string, reason?: string) {
  return p.call<JobResource & Problem>(
    "POST",
    `${API}/jobs/${encodeURIComponent(jobId)}/${verb}`,
    reason === undefined ? {} : { reason },
  );
}

/** Calls each node a few times once the dust settled: the versions every node serves now. */
async function versionsServed(p: Platform, pluginId: string): Promise<(string | null)[][]> {
  const out: (string | null)[][] = [];
  for (let node = 0; node < NODES; node += 1) {
    const calls: (string | null)[] = [];
    for (let i = 0; i < 3; i += 1) calls.push((await callNode(p, node, pluginId)).version);
    out.push(calls);
  }
  return out;
}

describe("rollouts: canary", () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "canary",
    // A killed worker's job goes to the next worker this soon (its queue lock expires).
    workerEnv: { ARCADE_WORKER_LOCK_DURATION: "5s" },
  });
  const suffix = randomBytes(3).toString("hex");
  let traffic: Traffic | null = null;
  afterEach(async () => {
    await traffic?.stop();
    traffic = null;
  });

  it("aborts a canary that fails 20% of its calls and rolls it back by itself; the other nodes never fail a call", async () => {
    const p = platform();
    const name = `canary-bad-${suffix}`;
    const { pluginId } = await uploadAndWait(p, await canaryZip(name, "1.0.0"));
    traffic = new Traffic(p, pluginId).start();
    const accepted = await updateWithRollout(p, pluginId, await canaryZip(name, "2.0.0", 5), {
      strategy: "canary",
      steps: [{ nodes: 1, hold: "3s" }, { percent: 100 }],
      abortOn: { minCalls: 20, errorRate: 0.05 },
    });
    const job = await p.waitJob(accepted.jobId, { timeoutMs: 90_000 });
    const calls = await traffic.stop();
    traffic = null;

    expect(job.state).toBe("failed");
    expect(job.error?.code, JSON.stringify(job.error)).toBe("ROLLOUT_ABORTED");
    expect(job.error?.errors?.map((e) => e.path)).toContain("/rollout/verdict/errorRate");
    const rollout = rolloutOf(job);
    expect(rollout?.status).toBe("aborted");
    expect(rollout?.by).toBe("analysis");
    expect(rollout?.step).toBe(0);
    const verdict = rollout?.verdict;
    expect(verdict?.decision).toBe("abort");
    expect(verdict?.findings.map((f) => f.check)).toContain("errorRate");
    expect(verdict?.canary.version).toBe("2.0.0");
    expect(verdict?.canary.errorRate).toBeGreaterThan(0.1);
    expect(verdict?.baseline?.version).toBe("1.0.0");

    // The canary was one node; every call to the two others succeeded, on the old version.
    const canaryNodes = rollout?.steps[0]?.nodes ?? [];
    expect(canaryNodes).toHaveLength(1);
    const canaryIndex = p.apis.findIndex((a) => a.nodeId === canaryNodes[0]);
    expect(canaryIndex).toBeGreaterThanOrEqual(0);
    const others = calls.filter((c) => c.node !== canaryIndex);
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter((c) => c.status !== 200 || c.version !== "1.0.0")).toEqual([]);
    // The canary node did serve the new version (and failed some of its calls) while it held.
    expect(calls.some((c) => c.node === canaryIndex && c.version === "2.0.0")).toBe(true);
    expect(calls.some((c) => c.node === canaryIndex && c.status !== 200)).toBe(true);

    // Afterwards every node serves the old version, and the plugin row never left it.
    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["1.0.0", "1.0.0", "1.0.0"]),
    );
    const plugin = await p.call<{ version: string }>("GET", `${API}/plugins/${pluginId}`);
    expect(plugin.body.version).toBe("1.0.0");
  });

  it("promotes a healthy canary step by step: each step and its nodes per version are live events", async () => {
    const p = platform();
    const name = `canary-good-${suffix}`;
    const { pluginId } = await uploadAndWait(p, await canaryZip(name, "1.0.0"));
    traffic = new Traffic(p, pluginId).start();
    const accepted = await updateWithRollout(p, pluginId, await canaryZip(name, "2.0.0"), {
      strategy: "canary",
      steps: [{ nodes: 1, hold: "2s" }, { nodes: 2, hold: "2s" }, { percent: 100 }],
      // Latency on a shared test machine (and a freshly started process) is noise: judged on errors.
      abortOn: { minCalls: 10, p99Ratio: 50 },
    });
    const res = await p.request(`${API}/jobs/${accepted.jobId}/events`, {
      headers: { accept: "text/event-stream" },
      signal: AbortSignal.timeout(90_000),
    });
    expect(res.status).toBe(200);
    const { events } = await readStream(res);
    await traffic.stop();
    traffic = null;

    const end = events.at(-1)?.event as Extract<JobStreamEvent, { type: "end" }>;
    expect(end?.type).toBe("end");
    expect(end.job.state, JSON.stringify(end.job.error)).toBe("succeeded");
    expect(rolloutOf(end.job)?.status).toBe("completed");

    const rollouts = events.flatMap((e: Received) => (e.event.type === "rollout" ? [e.event.rollout] : []));
    // Each step held with one more node on the new version, the rest on the old one.
    const holds = rollouts.filter((r) => r.status === "running" && r.phase === "holding");
    const perStep = new Map(holds.map((r) => [r.step, r.nodesByVersion]));
    expect([...perStep.keys()]).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((s) => perStep.get(s)?.["2.0.0"]?.length ?? 0)).toEqual([1, 2, 3]);
    expect([0, 1, 2].map((s) => perStep.get(s)?.["1.0.0"]?.length ?? 0)).toEqual([2, 1, 0]);
    // The held steps were judged healthy on the nodes' own figures.
    const verdicts = rollouts
      .filter((r) => r.verdict !== null && r.phase === "applying")
      .map((r) => r.verdict);
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    for (const v of verdicts) expect(v?.decision).toBe("continue");
    expect(rollouts.at(-1)?.status).toBe("completed");

    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["2.0.0", "2.0.0", "2.0.0"]),
    );
    const plugin = await p.call<{ version: string }>("GET", `${API}/plugins/${pluginId}`);
    expect(plugin.body.version).toBe("2.0.0");
  });

  it("operators pause it past its hold, resume and promote it, are refused after the end, and abort another", async () => {
    const p = platform();
    const name = `canary-ops-${suffix}`;
    const installed = await uploadAndWait(p, await canaryZip(name, "1.0.0"));
    const pluginId = installed.pluginId;
    traffic = new Traffic(p, pluginId).start();
    const rollout: RolloutRequest = {
      strategy: "canary",
      steps: [{ nodes: 1, hold: "2s" }, { nodes: 2, hold: "1h" }, { percent: 100 }],
      // Latency on a shared test machine (and a freshly started process) is noise: judged on errors.
      abortOn: { minCalls: 10, p99Ratio: 50 },
    };
    const accepted = await updateWithRollout(p, pluginId, await canaryZip(name, "2.0.0"), rollout);
    const jobId = accepted.jobId;

    const holding = await rolloutReaches(
      p,
      jobId,
      "step 0 holds",
      (r) => r.step === 0 && r.phase === "holding",
    );
    const paused = await command(p, jobId, "pause", "looking at the dashboards");
    expect(paused.status, paused.text).toBe(200);
    expect(rolloutOf(paused.body)?.status).toBe("paused");
    expect(rolloutOf(paused.body)?.reason).toBe("looking at the dashboards");
    // Two commands at once: one wins, the other is refused.
    const both = await Promise.all([command(p, jobId, "resume"), command(p, jobId, "resume")]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)?.body.code).toBe("ROLLOUT_CONFLICT");
    await command(p, jobId, "pause");

    // Past the end of the step's hold, the rollout is still paused on step 0.
    const holdUntil = Date.parse(holding.rollout.holdUntil ?? "");
    await waitUntil("the hold of step 0 is over", async () =>
      Date.now() > holdUntil + 1500 ? true : undefined,
    );
    const stillPaused = rolloutOf(await getJob(p, jobId));
    expect(stillPaused?.status).toBe("paused");
    expect(stillPaused?.step).toBe(0);

    const resumed = await command(p, jobId, "resume");
    expect(resumed.status, resumed.text).toBe(200);
    expect(rolloutOf(resumed.body)?.status).toBe("running");
    // It goes on by itself to step 1, whose hold (an hour) only a promote cuts short.
    await rolloutReaches(p, jobId, "step 1 holds", (r) => r.step === 1 && r.phase === "holding");
    const promoted = await command(p, jobId, "promote", "looks fine");
    expect(promoted.status, promoted.text).toBe(200);
    const done = await p.waitJob(jobId, { timeoutMs: 60_000 });
    expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    expect(rolloutOf(done)?.status).toBe("promoted");
    expect(rolloutOf(done)?.by).toBe("bootstrap");
    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["2.0.0", "2.0.0", "2.0.0"]),
    );

    // After the end, every command is refused.
    const late = await command(p, jobId, "abort");
    expect(late.status, late.text).toBe(409);
    expect(late.body.code).toBe("ROLLOUT_CONFLICT");
    // A job without a rollout, and no job at all.
    const plain = await command(p, installed.jobId, "pause");
    expect(plain.status, plain.text).toBe(409);
    expect(plain.body.code).toBe("ROLLOUT_CONFLICT");
    const missing = await command(p, "no-such-job", "pause");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("JOB_NOT_FOUND");

    // An operator's abort rolls the canary back: every node on 2.0.0 again, the job failed.
    const next = await updateWithRollout(p, pluginId, await canaryZip(name, "3.0.0"), rollout);
    await rolloutReaches(
      p,
      next.jobId,
      "step 0 of 3.0.0 holds",
      (r) => r.step === 0 && r.phase === "holding",
    );
    const aborted = await command(p, next.jobId, "abort", "wrong build");
    expect(aborted.status, aborted.text).toBe(200);
    const failed = await p.waitJob(next.jobId, { timeoutMs: 60_000 });
    expect(failed.state).toBe("failed");
    expect(failed.error?.code).toBe("ROLLOUT_ABORTED");
    expect(failed.error?.message).toContain("wrong build");
    expect(rolloutOf(failed)?.by).toBe("bootstrap");
    await traffic.stop();
    traffic = null;
    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["2.0.0", "2.0.0", "2.0.0"]),
    );
  });
  it("installs into a running cluster by canary: only the first node runs it until the step passes", async () => {
    const p = platform();
    const name = `canary-install-${suffix}`;
    const res = await p.installZip(await canaryZip(name, "1.0.0"), {
      fields: {
        rollout: JSON.stringify({
          strategy: "canary",
          steps: [{ nodes: 1, hold: "2s" }, { percent: 100 }],
          abortOn: { minCalls: 5, p99Ratio: 50 },
        } satisfies RolloutRequest),
      },
    });
    expect(res.status, res.text).toBe(202);
    const jobId = res.body.jobId;
    // Calls on every node from the moment the plugin has an id (nodes that do not run it refuse them).
    const pluginId = await waitUntil(
      "the install has a plugin id",
      async () => (await getJob(p, jobId)).pluginId ?? undefined,
    );
    traffic = new Traffic(p, pluginId).start();
    const { rollout } = await rolloutReaches(
      p,
      jobId,
      "step 0 of the install holds",
      (r) => r.step === 0 && r.phase === "holding",
    );
    const canaryNode = rollout.steps[0]?.nodes[0] ?? "";
    expect(rollout.fromVersion).toBeNull();
    expect(rollout.nodesByVersion).toEqual({ "1.0.0": [canaryNode] });
    // While the canary holds, the other nodes do not run the plugin.
    const nodes = await clusterNodes(p);
    for (const api of p.apis.filter((a) => a.nodeId !== canaryNode)) {
      expect(pluginOnNode(nodes, api.nodeId, pluginId)?.state ?? "absent").not.toBe("loaded");
    }
    const done = await p.waitJob(jobId, { timeoutMs: 60_000 });
    await traffic.stop();
    traffic = null;
    expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    expect(rolloutOf(done)?.status).toBe("completed");
    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["1.0.0", "1.0.0", "1.0.0"]),
    );
  });
  it("a worker killed while the canary holds: the retried job resumes the rollout from its stored state", async () => {
    const p = platform();
    const name = `canary-resume-${suffix}`;
    const { pluginId } = await uploadAndWait(p, await canaryZip(name, "1.0.0"));
    traffic = new Traffic(p, pluginId).start();
    const accepted = await updateWithRollout(p, pluginId, await canaryZip(name, "2.0.0"), {
      strategy: "canary",
      steps: [{ nodes: 1, hold: "3s" }, { percent: 100 }],
      abortOn: { minCalls: 10, p99Ratio: 50 },
    });
    const held = await rolloutReaches(
      p,
      accepted.jobId,
      "step 0 holds",
      (r) => r.step === 0 && r.phase === "holding",
    );
    const worker = p.workers[0];
    if (!worker) throw new Error("no worker");
    await worker.kill("SIGKILL");
    // Nothing moves without a worker: the canary node keeps the new version, the others the old.
    const orphaned = rolloutOf(await getJob(p, accepted.jobId));
    expect(orphaned?.status).toBe("running");
    expect(orphaned?.nodesByVersion).toEqual(held.rollout.nodesByVersion);
    await worker.start();
    const done = await p.waitJob(accepted.jobId, { timeoutMs: 90_000 });
    await traffic.stop();
    traffic = null;
    expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    // The new worker took the rollout up where the job's row said it was.
    expect(await worker.output()).toContain("rollout: resuming from the stored state");
    const rollout = rolloutOf(done);
    expect(rollout?.status).toBe("completed");
    // The same steps as before the kill: the state came from the job, not from a new expansion.
    expect(rollout?.steps).toEqual(held.rollout.steps);
    expect(await versionsServed(p, pluginId)).toEqual(
      Array.from({ length: NODES }, () => ["2.0.0", "2.0.0", "2.0.0"]),
    );
  });
});
