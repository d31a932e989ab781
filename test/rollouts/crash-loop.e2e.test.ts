import { randomBytes } from "node:crypto";
import { LATENCY_BUCKETS_MS, type NodePluginState } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { buildPluginZip, type Platform, usePlatform } from "../harness/index.js";
import {
  type ClusterNode,
  clusterNodes,
  invoke,
  pluginDetail,
  pluginOnNode,
  uploadAndWait,
} from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";

// Crash-loop quarantine (issue 14, docs/rollouts.md): an update that loads fine and then keeps
// crashing is taken off every node, which goes back to the last version that ran cleanly there,
// reports the quarantine in its state (GET /cluster/nodes, the plugin detail's nodes) and logs it.
// And the per-version counters every node reports with its heartbeat.

const NODES = 3;
/** runtime.crash_loop_window here: 3 crashes within it quarantine; a clean version ran at least this long. */
const WINDOW_MS = 12_000;
/** The crashing version's process exits this long after each init: after the node reported it loaded. */
const CRASH_AFTER_MS = 1_500;

const crashingSource = (version: string) => `const VERSION = ${JSON.stringify(version)};
export default {
  async init() { setTimeout(() => process.exit(7), ${CRASH_AFTER_MS}); },
  actions: { async execute(params) { return { ok: true, version: VERSION, params }; } },
};
`;

/** execute({ fail: true }) throws; anything else answers. */
const failingOnAskSource = (version: string) => `const VERSION = ${JSON.stringify(version)};
export default {
  async init() {},
  actions: {
    async execute(params) {
      if (params && params.fail) throw new Error("asked to fail");
      return { ok: true, version: VERSION };
    },
  },
};
`;

function entriesOf(nodes: ClusterNode[], pluginId: string): (NodePluginState | undefined)[] {
  return nodes.map((n) => pluginOnNode(nodes, n.nodeId, pluginId));
}

function describeEntries(p: Platform, pluginId: string) {
  return async () =>
    JSON.stringify(
      entriesOf(await clusterNodes(p), pluginId).map((e) => ({
        version: e?.version,
        state: e?.state,
        error: e?.error,
        quarantined: e?.quarantined,
        counters: e?.counters?.map((c) => [c.version, c.calls, c.errors, c.crashes, c.loadFailures]),
      })),
    );
}

describe("rollouts: crash-loop quarantine", () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "crash-loop",
    // A first plugin process can take seconds to start on a busy machine: the jobs wait for it.
    env: { ARCADE_NODE_CONVERGENCE_TIMEOUT: "30s" },
    apiEnv: {
      ARCADE_RUNTIME_CRASH_LOOP_MAX: "3",
      ARCADE_RUNTIME_CRASH_LOOP_WINDOW: `${WINDOW_MS}ms`,
      ARCADE_RUNTIME_RESTART_BACKOFF: "100ms",
      ARCADE_RUNTIME_MAX_RESTARTS: "10",
    },
  });
  const suffix = randomBytes(3).toString("hex");

  it("puts every node back on 1.0.0 when 2.0.0 loads and then keeps crashing, and reports it", async () => {
    const p = platform();
    const name = `crash-loop-${suffix}`;
    const installed = await uploadAndWait(p, await buildPluginZip({ name, version: "1.0.0" }));
    const pluginId = installed.pluginId;
    await waitUntil("every node runs 1.0.0", async () =>
      entriesOf(await clusterNodes(p), pluginId).every((e) => e?.state === "loaded" && e.version === "1.0.0")
        ? true
        : undefined,
    );
    // 1.0.0 must have run a whole window on each node to count as clean there.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));

    // 2.0.0 loads fine: the nodes report it loaded, so the update job sees it applied (honest
    // convergence judges what the nodes report when they reach the revision); the crashes come after.
    const updated = await uploadAndWait(
      p,
      await buildPluginZip({ name, version: "2.0.0", source: crashingSource("2.0.0") }),
      {
        pluginId,
      },
    );
    expect(updated.result?.version).toBe("2.0.0");
    const checksum2 = updated.result?.checksum;
    expect(checksum2).toMatch(/^[0-9a-f]{64}$/);

    const nodes = await waitUntil(
      "every node quarantined 2.0.0 and runs 1.0.0 again",
      async () => {
        const listed = await clusterNodes(p);
        const entries = entriesOf(listed, pluginId);
        return entries.length === NODES &&
          entries.every((e) => e?.state === "loaded" && e.version === "1.0.0" && e.quarantined)
          ? listed
          : undefined;
      },
      { timeoutMs: 90_000, describe: describeEntries(p, pluginId) },
    );
    for (const entry of entriesOf(nodes, pluginId)) {
      expect(entry?.quarantined).toMatchObject({
        version: "2.0.0",
        checksum: checksum2,
        fallbackVersion: "1.0.0",
      });
      const crashes = entry?.quarantined?.crashes ?? [];
      expect(crashes).toHaveLength(3);
      // The crashes that made the loop lie within the window, in order, before the report.
      const times = crashes.map((t) => Date.parse(t));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect((times[2] ?? 0) - (times[0] ?? 0)).toBeLessThanOrEqual(WINDOW_MS);
      expect(Date.parse(entry?.quarantined?.at ?? "")).toBeGreaterThanOrEqual(times[2] ?? 0);
      // The counters show 2.0.0's crashes (at least the three that made the loop).
      expect(entry?.counters?.find((c) => c.version === "2.0.0")?.crashes).toBeGreaterThanOrEqual(3);
      expect(entry?.counters?.find((c) => c.version === "1.0.0")).toMatchObject({
        crashes: 0,
        loadFailures: 0,
      });
    }

    // Each node serves 1.0.0 again.
    for (let i = 0; i < NODES; i += 1) {
      const res = await invoke<{ version: string }>(p, i, pluginId, "execute", {});
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        version: "1.0.0",
        node: p.apis[i]?.nodeId,
        result: { version: "1.0.0" },
      });
    }

    // The plugin detail shows each node's quarantine too.
    const detail = await pluginDetail(p, pluginId);
    expect(detail.status).toBe(200);
    expect(detail.body.nodes).toHaveLength(NODES);
    for (const n of detail.body.nodes ?? []) {
      expect(n).toMatchObject({
        version: "1.0.0",
        quarantined: { version: "2.0.0", fallbackVersion: "1.0.0" },
      });
    }

    // Each node logged it: one structured warn line.
    for (const api of p.apis) {
      const lines = (await api.output())
        .split("\n")
        .filter((line) => line.includes('"event":"plugin.quarantined"') && line.includes(pluginId));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
        level: "warn",
        pluginId,
        version: "2.0.0",
        fallbackVersion: "1.0.0",
        checksum: checksum2,
      });
    }

    // Later reconciles (every 2 s here) leave 2.0.0 alone: no node loads it again, its crashes stop.
    const crashesOf = (list: ClusterNode[]) =>
      entriesOf(list, pluginId).map((e) => e?.counters?.find((c) => c.version === "2.0.0")?.crashes);
    const before = crashesOf(nodes);
    const quarantinedAt = Math.max(
      ...entriesOf(nodes, pluginId).map((e) => Date.parse(e?.quarantined?.at ?? "")),
    );
    const later = await waitUntil("every node heartbeat 6 s after its quarantine", async () => {
      const listed = await clusterNodes(p);
      return listed.length === NODES && listed.every((n) => Date.parse(n.lastSeen) > quarantinedAt + 6_000)
        ? listed
        : undefined;
    });
    expect(entriesOf(later, pluginId).map((e) => e?.version)).toEqual(Array(NODES).fill("1.0.0"));
    expect(crashesOf(later)).toEqual(before);
  }, 240_000);

  it("counts N calls of which K fail in the serving node's counters for that version", async () => {
    const p = platform();
    const installed = await uploadAndWait(
      p,
      await buildPluginZip({
        name: `counted-${suffix}`,
        version: "1.0.0",
        source: failingOnAskSource("1.0.0"),
      }),
    );
    const pluginId = installed.pluginId;
    const N = 12;
    const K = 4;
    for (let i = 0; i < N; i += 1) {
      const res = await invoke(p, 0, pluginId, "execute", { fail: i < K });
      expect(res.status, res.text).toBe(i < K ? 502 : 200);
    }
    const nodeId = p.apis[0]?.nodeId ?? "";
    const counted = await waitUntil(
      "node 0 reports the calls",
      async () => {
        const entry = pluginOnNode(await clusterNodes(p, 1), nodeId, pluginId);
        const c = entry?.counters?.find((v) => v.version === "1.0.0");
        return c && c.calls >= N ? c : undefined;
      },
      { describe: describeEntries(p, pluginId) },
    );
    expect(counted).toMatchObject({ version: "1.0.0", calls: N, errors: K, crashes: 0, loadFailures: 0 });
    expect(counted.latency).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(counted.latency.reduce((a, b) => a + b, 0)).toBe(N);
    // The other nodes served none of them.
    for (const api of p.apis.slice(1)) {
      const entry = pluginOnNode(await clusterNodes(p), api.nodeId, pluginId);
      expect(entry?.counters?.find((v) => v.version === "1.0.0")).toMatchObject({ calls: 0, errors: 0 });
    }
  }, 120_000);
});
