import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { JobResource } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { buildExamplePlugin, expectEveryNodeApplied, usePlatform } from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "./backends.js";
import {
  clusterNodes,
  invoke,
  metrics,
  mutate,
  pluginDetail,
  pluginOnNode,
  uploadAndWait,
} from "./node-api.js";
import { NO_WARM_SPARE, sandboxProcesses, waitSandboxProcesses } from "./process-threads.js";
import { waitUntil } from "./wait-until.js";

// Three API processes (each a runtime node) and one worker: a change made through any node
// reaches every node, each reports it, and each serves it.
const missing = missingForRuntime();
const NODES = 3;

describe.skipIf(missing.length > 0)(suiteName("runtime: a change reaches every node", missing), () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    ...preferredBackends(),
    label: "rt-lifecycle",
    env: NO_WARM_SPARE,
  });
  let pluginId = "";
  let installJob: JobResource & { pluginId: string };
  /** Plugin processes of each node before anything was installed: no sandbox running. */
  const baseThreads: number[] = [];

  /** Every node runs `extra` plugin processes (sandboxes) beyond its baseline. */
  async function expectSandboxThreads(extra: number, what: string): Promise<void> {
    for (const [i, api] of platform().apis.entries()) {
      await waitSandboxProcesses(api.pid, (baseThreads[i] ?? 0) + extra, `node ${i} ${what}`);
    }
  }

  /** Entries under a node's plugin cache folder that belong to the plugin. */
  async function cacheEntries(apiIndex: number): Promise<string[]> {
    const dir = join(platform().runDir, "cache", `api-${apiIndex}`);
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(`${pluginId}_`));
  }

  it("installs notify-stdout through one node and every node loads it", async () => {
    const p = platform();
    for (const api of p.apis) baseThreads.push(await sandboxProcesses(api.pid));
    installJob = await uploadAndWait(p, await buildExamplePlugin("notify-stdout"), { apiIndex: 1 });
    pluginId = installJob.pluginId;
    expect(installJob.result?.version).toBe("1.0.0");
    expectEveryNodeApplied(installJob.result?.nodes, NODES);
    // One plugin process each.
    await expectSandboxThreads(1, "with notify-stdout loaded");
    const nodeIds = p.apis.map((a) => a.nodeId).sort();

    for (let i = 0; i < NODES; i += 1) {
      // Any node lists every node, each with the plugin loaded at the installed version.
      const nodes = await clusterNodes(p, i);
      expect(nodes.map((n) => n.nodeId).sort()).toEqual(nodeIds);
      for (const nodeId of nodeIds) {
        expect(pluginOnNode(nodes, nodeId, pluginId)).toMatchObject({
          state: "loaded",
          version: "1.0.0",
          checksum: installJob.result?.checksum,
        });
      }
      const detail = await pluginDetail(p, pluginId, i);
      expect(detail.status).toBe(200);
      expect(detail.body.nodes?.map((n) => n.nodeId).sort()).toEqual(nodeIds);
      expect(detail.body.nodes?.every((n) => n.state === "loaded" && n.version === "1.0.0")).toBe(true);

      const rows = await metrics(p, i);
      expect(rows.find((r) => r.pluginId === pluginId)).toMatchObject({
        name: "notify-stdout",
        type: "notify",
        version: "1.0.0",
        state: "loaded",
        description: expect.stringContaining("standard output"),
        path: expect.any(String),
      });
    }
  });

  it("invokes send on each of the three nodes, answered by that node", async () => {
    const p = platform();
    for (let i = 0; i < NODES; i += 1) {
      const message = `hello from the e2e suite to node ${i} ${p.id}`;
      const res = await invoke<{ delivered: boolean; line: string }>(p, i, pluginId, "send", { message });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ pluginId, version: "1.0.0", node: p.apis[i]?.nodeId });
      expect(res.body.result).toMatchObject({ delivered: true, line: `[arcade] INFO ${message}` });
      const api = p.apis[i];
      if (!api) throw new Error("no api");
      // The plugin's stdout lands in this node's log, as a log record tagged with the plugin.
      const printed = await waitUntil(`node ${i}'s log shows the printed line`, async () =>
        (await api.output())
          .split("\n")
          .find((line) => line.includes(message) && line.includes('"stream":"stdout"')),
      );
      expect(JSON.parse(printed)).toMatchObject({
        pluginId,
        version: "1.0.0",
        msg: `[arcade] INFO ${message}`,
      });
      // ... and only there.
      for (let other = 0; other < NODES; other += 1) {
        if (other === i) continue;
        expect(await p.apis[other]?.output()).not.toContain(message);
      }
    }
  });

  it("rejects params that fail the paramsSchema on every node, before the plugin runs", async () => {
    const p = platform();
    for (let i = 0; i < NODES; i += 1) {
      const res = await invoke(p, i, pluginId, "send", { message: "" });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("PARAMS_INVALID");
    }
  });

  it("disable unloads it on every node, enable brings it back on each", async () => {
    const p = platform();
    const disabled = await mutate(p, "POST", `/api/v1/plugins/${pluginId}/disable`, undefined, 2);
    expect(disabled.state).toBe("succeeded");
    expectEveryNodeApplied(disabled.result?.nodes, NODES);
    for (let i = 0; i < NODES; i += 1) {
      const res = await invoke(p, i, pluginId, "send", { message: "while disabled" });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe("PLUGIN_NOT_LOADED");
      expect((await metrics(p, i)).some((r) => r.pluginId === pluginId)).toBe(false);
    }
    const nodes = await clusterNodes(p);
    for (const api of p.apis) expect(pluginOnNode(nodes, api.nodeId, pluginId)).toBeUndefined();
    // Unloading ends the sandbox's thread: its memory goes with it.
    await expectSandboxThreads(0, "with notify-stdout disabled");

    const enabled = await mutate(p, "POST", `/api/v1/plugins/${pluginId}/enable`, undefined, 0);
    expect(enabled.state).toBe("succeeded");
    expectEveryNodeApplied(enabled.result?.nodes, NODES);
    for (let i = 0; i < NODES; i += 1) {
      const res = await invoke(p, i, pluginId, "send", { message: `enabled again on ${i}` });
      expect(res.status, res.text).toBe(200);
      expect(res.body.node).toBe(p.apis[i]?.nodeId);
    }
    await expectSandboxThreads(1, "with notify-stdout enabled again");
  });

  it("uninstall removes it from every node: no longer loaded, listed, or served", async () => {
    const p = platform();
    // Each node has the artifact in its own cache now (unpacked, verified before loading).
    for (let i = 0; i < NODES; i += 1) expect(await cacheEntries(i)).not.toEqual([]);

    const removed = await mutate(p, "DELETE", `/api/v1/plugins/${pluginId}`, undefined, 1);
    expect(removed.state, JSON.stringify(removed.error)).toBe("succeeded");
    expectEveryNodeApplied(removed.result?.nodes, NODES);
    for (let i = 0; i < NODES; i += 1) {
      expect((await metrics(p, i)).some((r) => r.pluginId === pluginId)).toBe(false);
      // Not merely unloaded (409) as while disabled: the plugin no longer exists.
      const res = await invoke(p, i, pluginId, "send", { message: "after uninstall" });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("PLUGIN_NOT_FOUND");
      expect((await pluginDetail(p, pluginId, i)).status).toBe(404);
    }
    const nodes = await clusterNodes(p);
    for (const api of p.apis) expect(pluginOnNode(nodes, api.nodeId, pluginId)).toBeUndefined();
    await expectSandboxThreads(0, "with notify-stdout uninstalled");
    expect(await p.listObjects(`plugins/${pluginId}/`)).toEqual([]);
  });

  it("uninstall also empties every node's plugin cache of it", async () => {
    for (let i = 0; i < NODES; i += 1) {
      await waitUntil(
        `node ${i}'s cache holds nothing of ${pluginId}`,
        async () => ((await cacheEntries(i)).length === 0 ? true : undefined),
        { timeoutMs: 5_000, describe: async () => (await cacheEntries(i)).join(", ") },
      );
    }
  });
});
