import type { JobResource } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import {
  buildPluginZip,
  expectEveryNodeApplied,
  missingServices,
  type Platform,
  skipReason,
  usePlatform,
} from "../harness/index.js";
import { clusterNodes, invoke, pluginDetail, pluginOnNode, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";

// Honest convergence (issue 14, docs/rollouts.md): a job says which nodes applied its change,
// which failed (with their errors) and which did not answer within node.convergence_timeout.
// A change no node applied fails the job with PLUGIN_LOAD_FAILED and is undone: a first install
// is removed, an update goes back to the version it replaced, which keeps serving. Some nodes
// applied it: the job succeeds, `degraded`.

const NODES = 3;
/** node.convergence_timeout of this platform (worker and nodes): how long a job waits for answers (a loaded machine may take seconds to start a plugin). */
const CONVERGENCE_TIMEOUT = "10s";
/** plugin.load_timeout of the nodes: longer than the convergence timeout, so a hanging init is `pending`. */
const LOAD_TIMEOUT = "30s";
/** Set on one node only (its process env): the partial plugin's init refuses to start there. */
const FAIL_HERE = "CONVERGE_FAIL_HERE";

const execute = (version: string) =>
  `actions: { async execute(params) { return { ok: true, version: ${JSON.stringify(version)}, params }; } }`;

/** A plugin whose init throws on every node. */
const throwingSource = (version: string) =>
  `export default { async init() { throw new Error("init refuses to start: ${version} is broken"); }, ${execute(version)} };\n`;

/** A plugin whose init never ends (it keeps a timer so its process stays up). */
const hangingSource = (version: string) =>
  `export default { async init() { await new Promise(() => { setInterval(() => {}, 1000); }); }, ${execute(version)} };\n`;

/** A plugin whose init throws only where the node's environment has FAIL_HERE=1. */
const pickySource = (version: string) =>
  `export default { async init() { if (process.env.${FAIL_HERE} === "1") throw new Error("init refuses this node (${FAIL_HERE})"); }, ${execute(version)} };\n`;

const variant = { database: "sqlite", storage: "fs" } as const;
const missing = missingServices(variant);

describe.skipIf(missing.length > 0)(
  `honest convergence on ${NODES} nodes (${missing.length > 0 ? skipReason(missing) : "sqlite+fs"})`,
  () => {
    const platform = usePlatform({
      apis: NODES,
      workers: 1,
      ...variant,
      label: "honest-convergence",
      env: { ARCADE_NODE_CONVERGENCE_TIMEOUT: CONVERGENCE_TIMEOUT },
      apiEnv: { ARCADE_PLUGIN_LOAD_TIMEOUT: LOAD_TIMEOUT },
    });

    const nodeIds = () => platform().apis.map((api) => api.nodeId);

    async function finished(accepted: {
      status: number;
      text: string;
      body: JobResource;
    }): Promise<JobResource> {
      expect(accepted.status, accepted.text).toBe(202);
      return platform().waitJob(accepted.body.jobId, { timeoutMs: 90_000 });
    }

    /** Failed PLUGIN_LOAD_FAILED: one `errors` entry per node, each with `reason`, no node applied. */
    function expectNoNodeApplied(
      job: JobResource,
      reason: (nodeId: string) => unknown,
      lists: { failed: boolean },
    ): void {
      const ids = [...nodeIds()].sort();
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("PLUGIN_LOAD_FAILED");
      expect(job.error?.errors).toEqual(ids.map((id) => ({ path: `/nodes/${id}`, message: reason(id) })));
      expect(job.error?.nodes).toEqual({
        expected: NODES,
        applied: [],
        failed: lists.failed ? ids.map((nodeId) => ({ nodeId, error: reason(nodeId) })) : [],
        pending: lists.failed ? [] : ids,
      });
    }

    /** The plugin is gone: no row, no stored object, and (once they unloaded it) on no node. */
    async function expectRemoved(p: Platform, pluginId: string, withinMs: number): Promise<void> {
      expect((await pluginDetail(p, pluginId)).status).toBe(404);
      expect(await p.listObjects(`plugins/${pluginId}/`)).toEqual([]);
      await waitUntil(
        `no node runs ${pluginId}`,
        async () => {
          const nodes = await clusterNodes(p);
          return nodes.length === NODES && nodes.every((n) => !pluginOnNode(nodes, n.nodeId, pluginId))
            ? true
            : undefined;
        },
        { timeoutMs: withinMs, describe: async () => JSON.stringify(await clusterNodes(p)) },
      );
    }

    it("an install whose init throws on every node fails with each node's reason, and is removed", async () => {
      const p = platform();
      const zip = await buildPluginZip({ name: "hc-throws", source: throwingSource("1.0.0") });
      const job = await finished(await p.installZip(zip));
      const because = expect.stringContaining("init refuses to start: 1.0.0 is broken");
      expectNoNodeApplied(job, () => because, { failed: true });
      expect(job.error?.recovery).toMatchObject({ action: "uninstalled" });
      expect(job.error?.detail).toContain("rolled back");
      expect(job.steps.find((s) => s.name === "activate")?.state).toBe("failed");
      // Not left enabled-but-broken: no row, no artifact, and every node unloaded it.
      await expectRemoved(p, job.pluginId ?? "", 20_000);
      const listed = await p.call<{ items: unknown[] }>("GET", "/api/v1/plugins?q=hc-throws");
      expect(listed.body.items).toEqual([]);
      // The name is free again: a fixed build installs under it.
      const fixed = await uploadAndWait(p, await buildPluginZip({ name: "hc-throws", version: "1.0.1" }));
      expectEveryNodeApplied(fixed.result?.nodes, NODES);
    });

    it("an update whose init throws everywhere fails, and every node still serves the old version", async () => {
      const p = platform();
      const installed = await uploadAndWait(p, await buildPluginZip({ name: "hc-update", version: "1.0.0" }));
      expectEveryNodeApplied(installed.result?.nodes, NODES);
      const broken = await buildPluginZip({
        name: "hc-update",
        version: "1.1.0",
        source: throwingSource("1.1.0"),
      });
      const job = await finished(await p.updateZip(installed.pluginId, broken));
      const because = expect.stringContaining("init refuses to start: 1.1.0 is broken");
      expectNoNodeApplied(job, () => because, { failed: true });
      expect(job.error?.recovery).toMatchObject({ action: "restored-version", version: "1.0.0" });
      // The row is back on 1.0.0 (the 1.1.0 version row is kept), and each node answers with 1.0.0.
      expect((await pluginDetail(p, installed.pluginId)).body).toMatchObject({ version: "1.0.0" });
      const versions = await p.call<{ items: { version: string }[] }>(
        "GET",
        `/api/v1/plugins/${installed.pluginId}/versions`,
      );
      expect(versions.body.items.map((v) => v.version).sort()).toEqual(["1.0.0", "1.1.0"]);
      for (let i = 0; i < NODES; i += 1) {
        const res = await invoke<{ version: string }>(p, i, installed.pluginId, "execute", { i });
        expect(res.status, res.text).toBe(200);
        expect(res.body.result.version).toBe("1.0.0");
      }
      // Back on what they run, the nodes report the plugin loaded without the failed swap's error.
      await waitUntil(
        "every node reports 1.0.0 loaded without an error",
        async () => {
          const nodes = await clusterNodes(p);
          const entries = nodes.map((n) => pluginOnNode(nodes, n.nodeId, installed.pluginId));
          return entries.length === NODES &&
            entries.every((e) => e?.state === "loaded" && e.version === "1.0.0" && e.error == null)
            ? true
            : undefined;
        },
        { timeoutMs: 20_000, describe: async () => JSON.stringify(await clusterNodes(p)) },
      );
      // The next good update applies everywhere.
      const fixed = await uploadAndWait(p, await buildPluginZip({ name: "hc-update", version: "1.2.0" }), {
        pluginId: installed.pluginId,
      });
      expectEveryNodeApplied(fixed.result?.nodes, NODES);
    });

    it("an install that loads on some nodes only succeeds degraded, listing who applied and who failed", async () => {
      const p = platform();
      const picky = p.apis[NODES - 1];
      if (!picky) throw new Error("no third node");
      await picky.restart({ env: { [FAIL_HERE]: "1" } });
      const zip = await buildPluginZip({
        name: "hc-partial",
        source: pickySource("1.0.0"),
        manifest: { permissions: { env: [FAIL_HERE] } },
      });
      const job = await finished(await p.installZip(zip));
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.result?.nodes).toEqual({
        expected: NODES,
        applied: nodeIds()
          .filter((id) => id !== picky.nodeId)
          .sort(),
        failed: [
          { nodeId: picky.nodeId, error: expect.stringContaining(`init refuses this node (${FAIL_HERE})`) },
        ],
        pending: [],
        degraded: true,
      });
      const pluginId = job.pluginId ?? "";
      for (let i = 0; i < NODES - 1; i += 1) {
        expect((await invoke(p, i, pluginId, "execute", {})).status).toBe(200);
      }
      const refused = await invoke(p, NODES - 1, pluginId, "execute", {});
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe("PLUGIN_NOT_LOADED");
      // Kept (some nodes serve it): the plugin stays installed and enabled.
      expect((await pluginDetail(p, pluginId)).body).toMatchObject({ isEnabled: 1 });
      await picky.restart({ env: {} });
    });

    it("an install whose init hangs everywhere: the nodes are pending, the job fails and the install is removed", async () => {
      const p = platform();
      const zip = await buildPluginZip({ name: "hc-hangs", source: hangingSource("1.0.0") });
      const job = await finished(await p.installZip(zip));
      // The convergence timeout (10s) ends the wait long before the load timeout (30s) ends the init:
      // no node answered, so each is pending with "no answer within 3s", not failed.
      expectNoNodeApplied(job, () => `no answer within ${CONVERGENCE_TIMEOUT} (node.convergence_timeout)`, {
        failed: false,
      });
      expect(job.error?.recovery).toMatchObject({ action: "uninstalled" });
      // Each node gives the init up at its load timeout, then reads the plugin gone and unloads it.
      await expectRemoved(p, job.pluginId ?? "", 60_000);
    });
  },
);
