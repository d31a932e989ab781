import type { JobResource } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  buildPluginZip,
  expectEveryNodeApplied,
  isFinished,
  usePlatform,
} from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "./backends.js";
import { labVariantZip } from "./lab-plugin.js";
import {
  clusterNodes,
  invoke,
  type MetricsRow,
  metrics,
  mutate,
  pluginDetail,
  pluginOnNode,
  uploadAndWait,
} from "./node-api.js";
import { waitUntil } from "./wait-until.js";

// custom-lab misbehaves on request (packages/plugins/custom-lab). Whatever it does, through
// HTTP: the node process survives, keeps serving its other plugins, and says what happened.
const missing = missingForRuntime();
const LOAD_TIMEOUT_MS = 2000;

describe.skipIf(missing.length > 0)(
  suiteName("runtime: a misbehaving plugin hurts only itself", missing),
  () => {
    const platform = usePlatform({
      apis: 1,
      workers: 1,
      ...preferredBackends(),
      label: "rt-contain",
      apiEnv: {
        ARCADE_PLUGIN_LOAD_TIMEOUT: `${LOAD_TIMEOUT_MS}ms`,
        ARCADE_RUNTIME_RESTART_BACKOFF: "200ms",
        ARCADE_RUNTIME_MAX_RESTARTS: "10",
      },
    });
    let notify = "";
    let lab = "";
    let nodePid: number | undefined;

    /** The node still runs as the same process and serves notify-stdout. */
    async function expectNodeServes(): Promise<void> {
      const p = platform();
      const api = p.apis[0];
      expect(api?.running).toBe(true);
      expect(api?.pid).toBe(nodePid);
      const res = await invoke<{ delivered: boolean }>(p, 0, notify, "send", { message: "still here" });
      expect(res.status, res.text).toBe(200);
      expect(res.body.result.delivered).toBe(true);
    }

    async function row(pluginId: string): Promise<MetricsRow | undefined> {
      return (await metrics(platform(), 0)).find((r) => r.pluginId === pluginId);
    }

    /** Waits until `pluginId` answers `execute` again (restarted after a crash). */
    async function waitServing(pluginId: string): Promise<void> {
      await waitUntil(
        `${pluginId} serves execute again`,
        async () =>
          (await invoke(platform(), 0, pluginId, "execute", {})).status === 200 ? true : undefined,
        { timeoutMs: 20_000, describe: async () => JSON.stringify(await row(pluginId)) },
      );
    }

    it("installs notify-stdout and custom-lab", async () => {
      const p = platform();
      nodePid = p.apis[0]?.pid;
      notify = (await uploadAndWait(p, await buildExamplePlugin("notify-stdout"))).pluginId;
      lab = (await uploadAndWait(p, await buildExamplePlugin("custom-lab"))).pluginId;
      const res = await invoke<{ version: string; config: unknown }>(p, 0, lab, "execute", { hello: 1 });
      expect(res.status, res.text).toBe(200);
      expect(res.body.result).toMatchObject({ version: "1.0.0", config: { initMode: "ok" } });
      await expectNodeServes();
    });

    /** Submits a zip (an install, or with pluginId an update) and answers its finished job. */
    async function uploadFinished(zip: Uint8Array, pluginId?: string): Promise<JobResource> {
      const p = platform();
      const accepted = pluginId ? await p.updateZip(pluginId, zip) : await p.installZip(zip);
      expect(accepted.status, accepted.text).toBe(202);
      return p.waitJob(accepted.body.jobId);
    }

    /** The job failed PLUGIN_LOAD_FAILED: its one node could not load the change, for `reason`. */
    function expectLoadFailed(job: JobResource, reason: string, recovery: Record<string, unknown>): void {
      const nodeId = platform().apis[0]?.nodeId ?? "";
      const because = expect.stringContaining(reason);
      expect(job.state).toBe("failed");
      expect(job.error).toMatchObject({
        code: "PLUGIN_LOAD_FAILED",
        errors: [{ path: `/nodes/${nodeId}`, message: because }],
        nodes: { expected: 1, applied: [], failed: [{ nodeId, error: because }], pending: [] },
        recovery,
      });
    }

    /** The node has no entry for `pluginId` any more (it unloaded what the job rolled back). */
    async function expectGoneFromNode(pluginId: string): Promise<void> {
      const p = platform();
      const nodeId = p.apis[0]?.nodeId ?? "";
      expect((await pluginDetail(p, pluginId)).status).toBe(404);
      await waitUntil(
        `node ${nodeId} unloaded ${pluginId}`,
        async () => (pluginOnNode(await clusterNodes(p), nodeId, pluginId) === undefined ? true : undefined),
        { timeoutMs: 20_000, describe: async () => JSON.stringify(await row(pluginId)) },
      );
      expect(await row(pluginId)).toBeUndefined();
      const call = await invoke(p, 0, pluginId, "execute", {});
      expect(call.status).not.toBe(200);
    }

    it("init that throws: the install fails with the node's reason and is rolled back, everything else serves", async () => {
      const zip = await labVariantZip({
        name: "lab-init-throw",
        manifest: { defaultConfig: { initMode: "throw" } },
      });
      const job = await uploadFinished(zip);
      // No node could load it: the job says why, per node, and removed the plugin (not left
      // enabled-but-broken).
      expectLoadFailed(job, "initMode=throw", { action: "uninstalled" });
      await expectGoneFromNode(job.pluginId ?? "");
      await expectNodeServes();
    });

    it("init that hangs: given up after the load timeout, and other plugins serve meanwhile", async () => {
      const p = platform();
      const zip = await labVariantZip({
        name: "lab-init-hang",
        manifest: { defaultConfig: { initMode: "hang" } },
      });
      const accepted = await p.installZip(zip);
      expect(accepted.status).toBe(202);
      // Until the job is over (it waits for the node, which waits out the hanging init), the
      // node's other plugins keep answering.
      let served = 0;
      const deadline = Date.now() + 60_000;
      let job = (await p.call<JobResource>("GET", `/api/v1/jobs/${accepted.body.jobId}`)).body;
      while (!isFinished(job) && Date.now() < deadline) {
        await expectNodeServes();
        served += 1;
        job = (await p.call<JobResource>("GET", `/api/v1/jobs/${accepted.body.jobId}`)).body;
      }
      expect(served).toBeGreaterThan(0);
      // The load timeout (2s) ends the init before the convergence timeout (15s): the node
      // answers "failed" with the timeout as its reason, and the install is rolled back.
      expectLoadFailed(job, `within ${LOAD_TIMEOUT_MS}ms`, { action: "uninstalled" });
      await expectGoneFromNode(job.pluginId ?? "");
      await expectNodeServes();
    });

    it("a config whose init throws: the job fails, the previous config is stored again and keeps serving", async () => {
      const p = platform();
      const nodeId = p.apis[0]?.nodeId ?? "";
      const bad = await mutate(p, "PUT", `/api/v1/plugins/${lab}/config`, { initMode: "throw" });
      expectLoadFailed(bad, "initMode=throw", { action: "restored-config" });
      const res = await invoke<{ config: unknown }>(p, 0, lab, "execute", {});
      expect(res.status, res.text).toBe(200);
      expect(res.body.result.config).toEqual({ initMode: "ok" });
      const stored = await p.call<Record<string, unknown>>("GET", `/api/v1/plugins/${lab}/config`);
      expect(stored.body).toMatchObject({ initMode: "ok" });
      // Back on the config it runs, the node no longer reports the abandoned swap's error.
      await waitUntil(
        "the node reports the plugin loaded without an error",
        async () => {
          const state = pluginOnNode(await clusterNodes(p), nodeId, lab);
          return state?.state === "loaded" && state.error == null ? true : undefined;
        },
        { timeoutMs: 20_000, describe: async () => JSON.stringify(await row(lab)) },
      );
      expect(await row(lab)).toMatchObject({ state: "loaded", lastSwapError: null });

      const good = await mutate(p, "PUT", `/api/v1/plugins/${lab}/config`, {
        initMode: "ok",
        label: "fixed",
      });
      expectEveryNodeApplied(good.result?.nodes, 1);
      const fixed = await invoke<{ config: unknown }>(p, 0, lab, "execute", {});
      expect(fixed.body.result.config).toEqual({ initMode: "ok", label: "fixed" });
      expect(pluginOnNode(await clusterNodes(p), nodeId, lab)).toMatchObject({
        state: "loaded",
        error: null,
      });
    });

    let brokenSwap: { job: JobResource; pluginId: string } | null = null;

    it("an update whose init throws: the job fails and the old version keeps serving", async () => {
      const p = platform();
      const installed = await uploadAndWait(p, await buildPluginZip({ name: "lab-swap", version: "1.0.0" }));
      const broken = await buildPluginZip({
        name: "lab-swap",
        version: "1.1.0",
        source: `export default { async init() { throw new Error("broken release 1.1.0"); }, actions: { async execute() { return {}; } } };\n`,
      });
      const job = await uploadFinished(broken, installed.pluginId);
      brokenSwap = { job, pluginId: installed.pluginId };
      expectLoadFailed(job, "broken release 1.1.0", { action: "restored-version", version: "1.0.0" });
      const res = await invoke<{ version: string }>(p, 0, installed.pluginId, "execute", {});
      expect(res.status, res.text).toBe(200);
      expect(res.body.version).toBe("1.0.0");
      expect(res.body.result.version).toBe("1.0.0");
      expect((await pluginDetail(p, installed.pluginId)).body).toMatchObject({ version: "1.0.0" });
      expect(pluginOnNode(await clusterNodes(p), p.apis[0]?.nodeId ?? "", installed.pluginId)).toMatchObject({
        state: "loaded",
        version: "1.0.0",
      });
      expect(await row(installed.pluginId)).toMatchObject({ version: "1.0.0", state: "loaded" });
      await expectNodeServes();
    });

    // A failed swap leaves the old version loaded with the reason in `error`: the job must
    // name the node as failed, not count it as applied and silent.
    it("the job of an update that no node could load names the nodes that failed", () => {
      if (!brokenSwap) throw new Error("the previous test did not run");
      expect(brokenSwap.job.error?.nodes).toEqual({
        expected: 1,
        applied: [],
        failed: [
          { nodeId: platform().apis[0]?.nodeId, error: expect.stringContaining("broken release 1.1.0") },
        ],
        pending: [],
      });
    });

    it("an endless loop: 504 ACTION_TIMEOUT, other plugins serve during it, and the plugin comes back", async () => {
      const p = platform();
      const before = (await row(lab))?.restarts ?? 0;
      const looping = invoke(p, 0, lab, "loop", {}, 1500);
      // The loop blocks only the plugin's own thread.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expectNodeServes();
      const res = await looping;
      expect(res.status).toBe(504);
      expect(res.body.code).toBe("ACTION_TIMEOUT");
      await expectNodeServes();
      await waitServing(lab);
      const after = await row(lab);
      expect(after?.restarts).toBeGreaterThan(before);
      expect(after?.lastError).toContain("did not finish within 1500ms");
    });

    it("a memory blow-up ends only its own sandbox (resources.memory 32Mi)", async () => {
      const p = platform();
      const zip = await labVariantZip({ name: "lab-leaky", manifest: { resources: { memory: "32Mi" } } });
      const leaky = (await uploadAndWait(p, zip)).pluginId;
      expect(await row(leaky)).toMatchObject({ state: "loaded", memoryLimitMb: 32 });
      const res = await invoke(p, 0, leaky, "leak", {}, 60_000);
      expect(res.status, res.text).toBe(502);
      expect(res.body.code).toBe("ACTION_FAILED");
      expect(res.text).toMatch(/memory/i);
      await expectNodeServes();
      await waitServing(leaky);
      expect((await row(leaky))?.lastError).toMatch(/memory/i);
      expect((await mutate(p, "DELETE", `/api/v1/plugins/${leaky}`)).state).toBe("succeeded");
    });

    it("process.exit inside a plugin ends its sandbox, not the node, and is reported", async () => {
      const p = platform();
      const before = (await row(lab))?.restarts ?? 0;
      const res = await invoke(p, 0, lab, "exit", { code: 7 });
      expect(res.status, res.text).toBe(502);
      expect(res.body.code).toBe("ACTION_FAILED");
      expect(res.text).toContain("process.exit(7)");
      await expectNodeServes();
      await waitServing(lab);
      const after = await row(lab);
      expect(after?.restarts).toBeGreaterThan(before);
      expect(after?.lastError).toContain("process.exit(7)");
    });

    it("a plugin sees none of the node's environment variables", async () => {
      const p = platform();
      const res = await invoke<string[]>(p, 0, lab, "env", {});
      expect(res.status, res.text).toBe(200);
      const host = new Set([...Object.keys(process.env), ...Object.keys(p.apis[0]?.process.env ?? {})]);
      expect(host.has("ARCADE_ADMIN_TOKEN")).toBe(true);
      expect(res.body.result.filter((name) => host.has(name))).toEqual([]);
      expect(res.body.result).not.toContain("PATH");
    });
  },
);
