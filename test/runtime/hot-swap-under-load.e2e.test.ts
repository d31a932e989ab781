import { describe, expect, it } from "vitest";
import { buildExamplePlugin, expectEveryNodeApplied, pidAlive, usePlatform } from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "./backends.js";
import { invoke, metrics, uploadAndWait } from "./node-api.js";
import { type CallRecord, SteadyLoad } from "./steady-load.js";
import { waitUntil } from "./wait-until.js";

// Updates while a client keeps calling through all three nodes: the swap is invisible to the
// client except for the version that answers.
const missing = missingForRuntime();
const NODES = 3;
const VERSIONS = ["1.1.0", "1.2.0", "1.3.0"];
/** Calls per second per node, and a hard cap per node so the load ends whatever happens. */
const RATE = 20;
const MAX_CALLS_PER_NODE = RATE * 120;
/** Steady calls between two updates (per node, roughly). */
const STEADY_MS = 1500;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A compact description of the calls that broke a rule, for the failure message. */
function sample(records: CallRecord[]): string {
  return JSON.stringify(records.slice(0, 5), null, 1);
}

describe.skipIf(missing.length > 0)(suiteName("runtime: hot swap under load", missing), () => {
  // With the warm spare (the default), as a node runs: a swap takes a process started ahead.
  const platform = usePlatform({ apis: NODES, workers: 1, ...preferredBackends(), label: "rt-hot-swap" });

  /** Pid of the plugin's process on each node, from GET /plugins/metrics. */
  async function pluginPids(pluginId: string): Promise<number[]> {
    const p = platform();
    return Promise.all(
      p.apis.map(async (_, node) => {
        const found = (await metrics(p, node)).find((r) => r.pluginId === pluginId) as
          | { pid?: number }
          | undefined;
        if (typeof found?.pid !== "number")
          throw new Error(`node ${node} reports no process for ${pluginId}`);
        return found.pid;
      }),
    );
  }

  it("updates notify-stdout three times under steady load: no call fails, each answered by the old or the new version", async () => {
    const p = platform();
    const zips = new Map<string, string>();
    for (const v of VERSIONS) zips.set(v, await buildExamplePlugin("notify-stdout", { version: v }));
    const installed = await uploadAndWait(p, await buildExamplePlugin("notify-stdout"));
    const pluginId = installed.pluginId;
    const replaced: number[] = await pluginPids(pluginId);

    let seq = 0;
    const load = new SteadyLoad({
      targets: NODES,
      ratePerTarget: RATE,
      callersPerTarget: 2,
      maxCallsPerTarget: MAX_CALLS_PER_NODE,
      call: async (target) => {
        seq += 1;
        const res = await invoke<{ delivered: boolean; version: string }>(p, target, pluginId, "send", {
          message: `load ${seq}`,
        });
        const answer =
          res.status === 200
            ? {
                version: res.body.version,
                pluginVersion: res.body.result.version,
                node: res.body.node,
                delivered: res.body.result.delivered,
              }
            : { code: res.body?.code ?? null, detail: res.text.slice(0, 300) };
        return { status: res.status, answer };
      },
    });

    // Which versions may answer a call, by the phase it started in.
    const allowed = new Map<string, string[]>([["v1.0.0", ["1.0.0"]]]);
    load.phase("v1.0.0");
    load.start();
    try {
      await delay(STEADY_MS);
      let previous = "1.0.0";
      for (const [i, version] of VERSIONS.entries()) {
        allowed.set(`to${version}`, [previous, version]);
        allowed.set(`v${version}`, [version]);
        load.phase(`to${version}`);
        // Each update goes through another node.
        const job = await uploadAndWait(p, zips.get(version) ?? "", { pluginId, apiIndex: i % NODES });
        // The job only succeeds once every live node reported the new revision: from here on
        // every node must answer with the new version.
        load.phase(`v${version}`);
        expect(job.result?.version).toBe(version);
        expectEveryNodeApplied(job.result?.nodes, NODES);
        const now = await pluginPids(pluginId);
        expect(
          now.filter((pid) => replaced.includes(pid)),
          "each node runs a new process",
        ).toEqual([]);
        replaced.push(...now);
        previous = version;
        await delay(STEADY_MS);
      }
    } finally {
      await load.stop();
    }

    const records = load.records;
    const failed = records.filter((r) => r.status !== 200);
    expect(failed, `failed calls: ${sample(failed)}`).toEqual([]);
    // The plugin itself (ctx.version) and the host agree on who answered.
    const mismatched = records.filter(
      (r) => r.answer?.version !== r.answer?.pluginVersion || !r.answer?.delivered,
    );
    expect(mismatched, sample(mismatched)).toEqual([]);
    const neither = records.filter((r) => !(allowed.get(r.phase) ?? []).includes(String(r.answer?.version)));
    expect(neither, `calls answered by neither the old nor the new version: ${sample(neither)}`).toEqual([]);

    // The load really spanned every swap on every node, and the new version answered on each.
    for (const version of VERSIONS) {
      for (let node = 0; node < NODES; node += 1) {
        const during = records.filter((r) => r.phase === `to${version}` && r.target === node);
        const after = records.filter((r) => r.phase === `v${version}` && r.target === node);
        expect(during.length, `calls to node ${node} during the update to ${version}`).toBeGreaterThan(0);
        expect(after.length, `calls to node ${node} after the update to ${version}`).toBeGreaterThan(0);
        expect(new Set(after.map((r) => r.answer?.node))).toEqual(new Set([p.apis[node]?.nodeId]));
      }
    }
    // Each replaced sandbox ended: only the processes of the last version are still there.
    const current = await pluginPids(pluginId);
    const old = replaced.filter((pid) => !current.includes(pid));
    await waitUntil(
      "every replaced plugin process has ended",
      async () => ((await Promise.all(old.map(pidAlive))).some(Boolean) ? undefined : true),
      { timeoutMs: 15_000 },
    );
    // After the last update every node answers the last version.
    const last = VERSIONS[VERSIONS.length - 1] ?? "";
    for (let node = 0; node < NODES; node += 1) {
      const res = await invoke(p, node, pluginId, "send", { message: "after the last update" });
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(last);
    }
  });

  it("lets calls in flight during a swap finish on the version that started them", async () => {
    const p = platform();
    const installed = await uploadAndWait(p, await buildExamplePlugin("custom-lab"));
    const pluginId = installed.pluginId;
    const next = await buildExamplePlugin("custom-lab", { version: "1.1.0" });

    // Two long calls per node, started before the update is submitted.
    const inFlight = p.apis.flatMap((_, node) =>
      [0, 1].map(() => invoke<{ sleptMs: number }>(p, node, pluginId, "slow", { ms: 4000 }, 20_000)),
    );
    await delay(200);
    const job = await uploadAndWait(p, next, { pluginId, apiIndex: 1 });
    expectEveryNodeApplied(job.result?.nodes, NODES);
    // New calls already reach 1.1.0 on every node ...
    for (let node = 0; node < NODES; node += 1) {
      const res = await invoke<{ sleptMs: number }>(p, node, pluginId, "slow", { ms: 1 });
      expect(res.status, res.text).toBe(200);
      expect(res.body.version).toBe("1.1.0");
    }
    // ... while the old ones completed on 1.0.0 instead of failing with the old sandbox.
    const answers = await Promise.all(inFlight);
    for (const res of answers) {
      expect(res.status, res.text).toBe(200);
      expect(res.body.result).toEqual({ sleptMs: 4000 });
      expect(res.body.version).toBe("1.0.0");
    }
  });
});
