import { randomBytes } from "node:crypto";
import type { JobResource, RolloutState } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { type Platform, usePlatform } from "../harness/index.js";
import { pluginDetail, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";
import {
  callServed,
  describeCalls,
  getJob,
  type ServedCall,
  servedAtZip,
  updateWithRollout,
  waitServing,
} from "./served-at-plugin.js";

// A/B by traffic (docs/rollouts.md): with `split`, every node loads the new version beside the
// old one and sends it the asked share of calls (sticky per caller key when the call carries
// one). The job stays running, showing the figures of both versions side by side, until an
// operator promotes (the new version everywhere) or aborts (the old one only).

const NODES = 3;
const SHARE = 20;
const CALLS = 2000;
/** Calls in flight at once while measuring the share. */
const CONCURRENCY = 12;
const HEADER = "X-Caller";

/**
 * The largest distance from the expected count of new-version answers that is not a failure:
 * 4.5 standard deviations of the binomial count (n = 2000, p = 0.2: ±80 around 400). A correct
 * split lands outside it with a probability of about 7 in a million.
 */
function binomialBound(n: number, p: number): number {
  return 4.5 * Math.sqrt(n * p * (1 - p));
}

/** `count` calls spread evenly over the nodes, `CONCURRENCY` at a time. */
async function callMany(
  p: Platform,
  pluginId: string,
  count: number,
  options: (i: number) => { caller?: string } = () => ({}),
): Promise<ServedCall[]> {
  const out: ServedCall[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      out.push(await callServed(p, i % NODES, pluginId, { ...options(i), callerHeader: HEADER }));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

function versionsOf(calls: readonly ServedCall[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const c of calls) counts.set(c.version, (counts.get(c.version) ?? 0) + 1);
  return counts;
}

/** Polls the job until its rollout is holding the split on every node (the job stays running). */
async function splitHolding(p: Platform, jobId: string): Promise<JobResource> {
  return waitUntil(
    "the split is applied and the job holds it",
    async () => {
      const job = await getJob(p, jobId);
      if (job.state === "failed" || job.state === "succeeded") {
        throw new Error(`the job ended (${job.state}): ${JSON.stringify(job.error)}`);
      }
      const rollout = job.result?.rollout as RolloutState | undefined;
      return rollout?.status === "running" && rollout.phase === "holding" ? job : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

async function command(p: Platform, jobId: string, verb: "promote" | "abort"): Promise<void> {
  const res = await p.call("POST", `/api/v1/jobs/${encodeURIComponent(jobId)}/${verb}`, {
    reason: `e2e ${verb}`,
  });
  expect([200, 202], res.text).toContain(res.status);
}

describe("rollouts: A/B split", () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "ab-split",
  });
  const suffix = randomBytes(3).toString("hex");
  const name = `ab-${suffix}`;
  let pluginId = "";

  it("serves the asked share, keeps a caller on one version, shows both versions' figures, and promote makes the new one the only one", async () => {
    const p = platform();
    pluginId = (await uploadAndWait(p, await servedAtZip(name, "1.0.0"))).pluginId;
    await waitServing(p, pluginId, "1.0.0");
    const accepted = await updateWithRollout(p, pluginId, await servedAtZip(name, "2.0.0"), {
      strategy: "all-at-once",
      split: { "2.0.0": SHARE },
      callerKeyHeader: HEADER,
    });
    const holding = await splitHolding(p, accepted.jobId);
    expect(holding.state).toBe("running");
    expect(holding.finishedAt).toBeNull();
    const rollout = holding.result?.rollout as RolloutState;
    expect(rollout.split).toEqual({ "2.0.0": SHARE });
    expect(rollout.steps.map((s) => s.kind)).toEqual(["split"]);
    // While the split holds, the plugin's version is still the old one.
    expect((await pluginDetail(p, pluginId)).body.version).toBe("1.0.0");

    // Calls without a caller key: each drawn at random, so the count of 2.0.0 answers is binomial.
    const random = await callMany(p, pluginId, CALLS);
    const failed = random.filter((c) => c.status !== 200);
    expect(failed, describeCalls(failed)).toEqual([]);
    const counts = versionsOf(random);
    expect([...counts.keys()].sort()).toEqual(["1.0.0", "2.0.0"]);
    const onNew = counts.get("2.0.0") ?? 0;
    const expected = (CALLS * SHARE) / 100;
    expect(Math.abs(onNew - expected), `${onNew} of ${CALLS} calls on 2.0.0`).toBeLessThanOrEqual(
      binomialBound(CALLS, SHARE / 100),
    );
    // Each node splits (not one node serving everything new).
    for (let n = 0; n < NODES; n += 1) {
      expect(new Set(random.filter((c) => c.node === n).map((c) => c.version))).toEqual(
        new Set(["1.0.0", "2.0.0"]),
      );
    }

    // Calls with a caller key: the same key gets the same version on every node, every time.
    const keys = Array.from({ length: 60 }, (_, i) => `caller-${i}`);
    const keyed = await callMany(p, pluginId, keys.length * 6, (i) => ({ caller: keys[i % keys.length] }));
    expect(keyed.filter((c) => c.status !== 200)).toEqual([]);
    const byKey = new Map<string, Set<string | null>>();
    for (const c of keyed) byKey.set(c.caller ?? "", (byKey.get(c.caller ?? "") ?? new Set()).add(c.version));
    const unstable = [...byKey].filter(([, versions]) => versions.size !== 1);
    expect(unstable.map(([key, v]) => `${key}: ${[...v].join(",")}`)).toEqual([]);
    // Different keys spread over both versions (60 keys all on one side: probability < 2e-6).
    const keyVersions = [...byKey.values()].map((v) => [...v][0]);
    expect(new Set(keyVersions)).toEqual(new Set(["1.0.0", "2.0.0"]));

    // The job shows the figures of both versions, side by side, counted on every node.
    const shown = await waitUntil(
      "the job's rollout shows calls of both versions",
      async () => {
        const rollout = (await getJob(p, accepted.jobId)).result?.rollout as RolloutState | undefined;
        const figures = rollout?.figures?.versions;
        const of = (v: string) => figures?.find((f) => f.version === v);
        const total = (of("1.0.0")?.calls ?? 0) + (of("2.0.0")?.calls ?? 0);
        return total >= CALLS + keyed.length ? figures : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const newFigures = shown.find((f) => f.version === "2.0.0");
    const oldFigures = shown.find((f) => f.version === "1.0.0");
    expect(newFigures?.errors).toBe(0);
    expect(oldFigures?.errors).toBe(0);
    expect(new Set(newFigures?.nodes)).toEqual(new Set(p.apis.map((a) => a.nodeId)));
    expect(newFigures?.calls).toBe(
      random.filter((c) => c.version === "2.0.0").length + keyed.filter((c) => c.version === "2.0.0").length,
    );

    await command(p, accepted.jobId, "promote");
    const job = await p.waitJob(accepted.jobId);
    expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
    expect((job.result?.rollout as RolloutState | undefined)?.status).toBe("promoted");
    expect(job.result?.nodes?.applied.length, JSON.stringify(job.result?.nodes)).toBe(NODES);
    expect((await pluginDetail(p, pluginId)).body.version).toBe("2.0.0");
    // The job ended once every node served 2.0.0 alone: no call meets 1.0.0 any more.
    const after = await callMany(p, pluginId, 90, (i) => ({ caller: keys[i % keys.length] }));
    expect(versionsOf(after)).toEqual(new Map([["2.0.0", 90]]));
  });

  it("abort ends the split on the old version: every call is served by it", async () => {
    const p = platform();
    expect(pluginId, "the first test installed the plugin").not.toBe("");
    const accepted = await updateWithRollout(p, pluginId, await servedAtZip(name, "3.0.0"), {
      strategy: "all-at-once",
      split: { "3.0.0": 50 },
      callerKeyHeader: HEADER,
    });
    await splitHolding(p, accepted.jobId);
    const during = await callMany(p, pluginId, 120);
    expect(versionsOf(during).get("3.0.0") ?? 0).toBeGreaterThan(0);

    await command(p, accepted.jobId, "abort");
    const job = await p.waitJob(accepted.jobId);
    expect(job.state).toBe("failed");
    expect(job.error?.code).toBe("ROLLOUT_ABORTED");
    expect(job.error?.message).toContain("e2e abort");
    expect((job.error?.rollout as RolloutState | undefined)?.status).toBe("aborted");
    expect((await pluginDetail(p, pluginId)).body.version).toBe("2.0.0");
    const after = await callMany(p, pluginId, 90, (i) => ({ caller: `caller-${i}` }));
    expect(versionsOf(after)).toEqual(new Map([["2.0.0", 90]]));
  });

  it("refuses a split over a version the update does not install (VALIDATION_FAILED, nothing changes)", async () => {
    const p = platform();
    expect(pluginId, "the first test installed the plugin").not.toBe("");
    const res = await p.updateZip(pluginId, await servedAtZip(name, "4.0.0"), {
      fields: { rollout: JSON.stringify({ strategy: "all-at-once", split: { "9.9.9": 10 } }) },
    });
    // The API cannot know the version of an uploaded zip: the job finds it once it read the manifest.
    expect(res.status, res.text).toBe(202);
    const job = await p.waitJob(res.body.jobId);
    expect(job.state).toBe("failed");
    expect(job.error?.code).toBe("VALIDATION_FAILED");
    // The pointer names the split's key under the rollout member, as the API's own checks do.
    expect(job.error?.errors?.map((e) => e.path)).toContain("/rollout/split/9.9.9");
    expect((await pluginDetail(p, pluginId)).body.version).toBe("2.0.0");
    const after = await callMany(p, pluginId, 30);
    expect(versionsOf(after)).toEqual(new Map([["2.0.0", 30]]));
  });
});
