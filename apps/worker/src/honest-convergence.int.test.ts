import { createHash } from "node:crypto";
import { NodeRegistry } from "@arcade/bus";
import type { NodePluginState } from "@arcade/contracts";
import { AppError, failJob, type JobRecord, recordedAttempt, silentLogger } from "@arcade/core";
import { afterEach, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const NODE = "node-x";

// A change no live node applied fails its job (PLUGIN_LOAD_FAILED) after the job undid it; the
// failure, recorded again by the workers' recovery, neither undoes twice nor turns into "succeeded".
describeOnBackends("honest convergence", {}, (pipeline) => {
  let node: NodeRegistry | null = null;
  afterEach(async () => {
    await node?.close();
    node = null;
  });

  /** One live node, past every revision, reporting `plugins` (what it runs) on each read. */
  async function liveNode(p: Pipeline, plugins: Omit<NodePluginState, "nodeId">[]): Promise<void> {
    node = new NodeRegistry({
      redis: process.env.ARCADE_TEST_REDIS_URL ?? "",
      prefix: p.prefix,
      heartbeatTtlMs: 60_000,
      logger: silentLogger,
    });
    await node.heartbeat({
      nodeId: NODE,
      host: "test",
      pid: process.pid,
      startedAt: new Date().toISOString(),
      appliedRevision: 1_000_000,
      version: "0.0.0",
      plugins: plugins.map((plugin) => ({ nodeId: NODE, ...plugin })),
    });
  }

  /** failJob once more, as the workers' recovery would: the row stays failed, the revision unmoved. */
  async function failAgain(p: Pipeline, op: JobRecord): Promise<void> {
    const revision = await p.database.plugins.currentRevision();
    const attempt = recordedAttempt(op, 1);
    if (!attempt) throw new Error("unreadable job row");
    await failJob(p.services, attempt, new AppError("PLUGIN_LOAD_FAILED", "recorded again"));
    expect((await p.database.jobs.get(op.jobId))?.state).toBe("failed");
    expect(await p.database.plugins.currentRevision()).toBe(revision);
  }

  it("an install no node loaded fails with the node's reason, and leaves no plugin and no object", async () => {
    const p = pipeline();
    await liveNode(p, []);
    const op = await p.install(await pluginZip(manifestOf(uniqueName("nowhere"), "1.0.0")));
    expect(op.state).toBe("failed");
    expect(op.error).toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      errors: [{ path: `/nodes/${NODE}`, message: expect.stringContaining("1.0.0 is not loaded") }],
      nodes: { expected: 1, applied: [], failed: [{ nodeId: NODE }], pending: [] },
      recovery: { action: "uninstalled" },
    });
    const pluginId = op.pluginId ?? "";
    expect(await p.database.plugins.findById(pluginId)).toBeNull();
    expect(await p.store.list(`plugins/${pluginId}/`)).toEqual([]);
    await failAgain(p, op);
    expect(await p.database.plugins.findById(pluginId)).toBeNull();
  });

  it("an install whose config is still to be set is kept: it waits for its configuration, not a failed version", async () => {
    const p = pipeline();
    await liveNode(p, []);
    const configSchema = {
      type: "object",
      properties: { webhook: { type: "string", writeOnly: true } },
      required: ["webhook"],
    };
    const op = await p.install(
      await pluginZip(manifestOf(uniqueName("unset"), "1.0.0", { configSchema, defaultConfig: undefined })),
    );
    expect(op.state, JSON.stringify(op.error)).toBe("succeeded");
    expect(op.result?.nodes).toMatchObject({ expected: 1, applied: [], failed: [{ nodeId: NODE }] });
    expect(await p.database.plugins.findById(op.pluginId ?? "")).not.toBeNull();
  });

  it("an update no node loaded goes back to the version it replaced, recorded failed, never undone twice", async () => {
    const p = pipeline();
    const name = uniqueName("swap");
    const v1 = await pluginZip(manifestOf(name, "1.0.0"));
    // No node live yet: nothing to wait for, the install succeeds.
    const installed = await p.install(v1);
    expect(installed.state, JSON.stringify(installed.error)).toBe("succeeded");
    const pluginId = installed.pluginId ?? "";
    // The node keeps 1.0.0 and says why 2.0.0 did not load (a failed hot swap).
    await liveNode(p, [
      {
        pluginId,
        version: "1.0.0",
        checksum: sha256(v1),
        state: "loaded",
        error: "init threw: broken 2.0.0",
      },
    ]);
    const op = await p.update(pluginId, await pluginZip(manifestOf(name, "2.0.0")));
    expect(op.state).toBe("failed");
    expect(op.error).toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      errors: [{ path: `/nodes/${NODE}`, message: "init threw: broken 2.0.0" }],
      recovery: { action: "restored-version", version: "1.0.0" },
    });
    const restored = { version: "1.0.0", checksum: sha256(v1) };
    expect(await p.database.plugins.findById(pluginId)).toMatchObject(restored);
    expect((await p.database.plugins.versions(pluginId)).map((v) => v.version).sort()).toEqual([
      "1.0.0",
      "2.0.0",
    ]);
    // The row still records 2.0.0 as committed, but the plugin no longer has it: failed, not succeeded.
    await failAgain(p, op);
    expect(await p.database.plugins.findById(pluginId)).toMatchObject(restored);
    expect((await p.store.list(`plugins/${pluginId}/`)).length).toBe(2);
  });
});
