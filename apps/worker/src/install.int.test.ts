import { createHash, randomUUID } from "node:crypto";
import type { ErrorCode } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { leftovers, snapshot } from "./testing/leftovers.js";
import { ENTRY_SOURCE, manifestOf, pluginZip, zipOf, zipSlip } from "./testing/plugin-zip.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describeOnBackends("install", { attempts: 3, backoffMs: 50 }, (pipeline) => {
  it("stores, persists and announces a plugin, recording every step", async () => {
    const p = pipeline();
    const name = uniqueName("happy");
    const zip = await pluginZip(manifestOf(name, "1.0.0"));
    const revisionBefore = await p.database.plugins.currentRevision();

    const op = await p.install(zip);

    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    expect(op.progress).toBe(100);
    expect(op.attempts).toBe(1);
    expect(op.steps.map((s) => [s.name, s.state])).toEqual(
      ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"].map((n) => [n, "succeeded"]),
    );
    expect(op.result).toMatchObject({ version: "1.0.0", checksum: sha256(zip) });
    // No live node: nobody to wait for, and nothing to judge (succeeded, as before).
    expect(op.result?.nodes).toEqual({ expected: 0, applied: [], failed: [], pending: [] });

    const pluginId = op.pluginId!;
    expect(pluginId).toMatch(/^plugin_happy.*_[a-z0-9]{6}$/);
    const plugin = await p.database.plugins.findById(pluginId);
    expect(plugin).toMatchObject({
      name,
      version: "1.0.0",
      checksum: sha256(zip),
      source: "local",
      isEnabled: PluginStatus.Enabled,
      pluginType: "custom",
      entryPoint: "index.js",
    });
    const versions = await p.database.plugins.versions(pluginId);
    expect(versions.map((v) => [v.version, v.checksum, v.size])).toEqual([
      ["1.0.0", sha256(zip), zip.length],
    ]);
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "general" });
    expect(await p.database.plugins.currentRevision()).toBe(revisionBefore + 1);

    const key = `plugins/${pluginId}/1.0.0/${pluginId}_1.0.0.zip`;
    expect(versions[0]?.objectKey).toBe(key);
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual([key]);
    expect(await p.resources.store.head(key)).toMatchObject({ size: zip.length, sha256: sha256(zip) });
    expect(await p.objects("staging/")).not.toContain(`staging/${op.jobId}`);

    await expect
      .poll(() => p.eventsOf(op.jobId))
      .toEqual([
        expect.objectContaining({ pluginId, op: "install", version: "1.0.0", revision: revisionBefore + 1 }),
      ]);
    const job = await p.settledJob(op.jobId);
    expect(job.attemptsMade).toBe(1);
    expect(job.returnvalue).toMatchObject({ version: "1.0.0" });
  });

  it("installs a single .mjs module sent with its manifest", async () => {
    const p = pipeline();
    const name = uniqueName("module");
    const manifest = manifestOf(name, "2.0.0", { entryPoint: "main.mjs" });
    const module = Buffer.from(ENTRY_SOURCE);
    const op = await p.install(module, { kind: "module", fileName: "main.mjs", manifest });

    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    const plugin = await p.database.plugins.findById(op.pluginId!);
    expect(plugin).toMatchObject({ name, version: "2.0.0", entryPoint: "main.mjs" });
    // The stored artifact is the zip the worker built, not the raw module.
    const [version] = await p.database.plugins.versions(op.pluginId!);
    expect(version?.checksum).toBe(plugin?.checksum);
    expect(version?.checksum).not.toBe(sha256(module));
    expect(await p.resources.store.head(version!.objectKey)).toMatchObject({ sha256: version?.checksum });
  });

  /** Each case: what is uploaded, and what the job must fail with. */
  const rejections: {
    code: ErrorCode;
    make(name: string): Promise<{ body: Buffer; staged?: Record<string, unknown> }>;
  }[] = [
    {
      code: "CHECKSUM_MISMATCH",
      make: async (name) => ({
        body: await pluginZip(manifestOf(name, "1.0.0")),
        staged: { sha256: "0".repeat(64) },
      }),
    },
    {
      code: "SIZE_MISMATCH",
      make: async (name) => {
        const body = await pluginZip(manifestOf(name, "1.0.0"));
        return { body, staged: { size: body.length + 1 } };
      },
    },
    { code: "ARCHIVE_INVALID", make: async () => ({ body: Buffer.from("this is not a zip file at all") }) },
    { code: "ARCHIVE_UNSAFE", make: async (name) => ({ body: await zipSlip(manifestOf(name, "1.0.0")) }) },
    { code: "MANIFEST_MISSING", make: async () => ({ body: await zipOf({ "index.js": ENTRY_SOURCE }) }) },
    {
      code: "MANIFEST_INVALID",
      make: async (name) => ({
        body: await pluginZip(manifestOf(name, "not-a-version", { pluginType: "spaceship" })),
      }),
    },
    {
      code: "MANIFEST_INVALID",
      make: async () => ({ body: await zipOf({ "manifest.json": "{ not json", "index.js": ENTRY_SOURCE }) }),
    },
    {
      code: "ENTRY_POINT_MISSING",
      make: async (name) => ({
        body: await zipOf({ "manifest.json": JSON.stringify(manifestOf(name, "1.0.0")), "other.js": "" }),
      }),
    },
  ];

  for (const [i, rejection] of rejections.entries()) {
    it(`fails with ${rejection.code} (#${i}), is not retried and leaves nothing behind`, async () => {
      const p = pipeline();
      const name = uniqueName("reject");
      const { body, staged } = await rejection.make(name);
      const before = await snapshot(p);

      const op = await p.install(body, staged);

      expect(op.state).toBe("failed");
      expect(op.error?.code).toBe(rejection.code);
      expect(op.attempts).toBe(1);
      expect(await leftovers(p, op, name, before)).toEqual([]);
      const job = await p.settledJob(op.jobId);
      expect(job.attemptsMade).toBe(1);
      expect(await job.getState()).toBe("failed");
    });
  }

  it("fails with PLUGIN_EXISTS when the name is taken, keeping the installed plugin intact", async () => {
    const p = pipeline();
    const name = uniqueName("taken");
    const first = await p.install(await pluginZip(manifestOf(name, "1.0.0")));
    expect(first.state).toBe("succeeded");
    const before = await snapshot(p);

    const op = await p.install(await pluginZip(manifestOf(name, "2.0.0")));

    expect(op.state).toBe("failed");
    expect(op.error?.code).toBe("PLUGIN_EXISTS");
    // The recorded error names the plugin that has the name, so a client can say what to update.
    expect(op.error?.pluginId).toBe(first.pluginId);
    expect(op.error?.detail).toContain(first.pluginId!);
    expect(op.attempts).toBe(1);
    expect(op.pluginId).toBeNull();
    expect(await p.objects("plugins/")).toEqual(before.pluginObjects);
    expect(await p.objects("staging/")).not.toContain(`staging/${op.jobId}`);
    expect(await p.database.plugins.findById(first.pluginId!)).toMatchObject({ version: "1.0.0" });
    expect((await p.database.plugins.versions(first.pluginId!)).map((v) => v.version)).toEqual(["1.0.0"]);
  });

  it("fails a market install with MARKET_DISABLED while the market is off", async () => {
    const p = pipeline();
    const before = await snapshot(p);
    const jobId = await p.submit("install", {
      requestedBy: "worker-tests",
      artifact: { source: "market", marketId: "acme/slack", version: "1.0.0" },
    });
    const op = await p.finished(jobId);
    expect(op.state).toBe("failed");
    expect(op.error?.code).toBe("MARKET_DISABLED");
    expect(op.attempts).toBe(1);
    expect(await leftovers(p, op, "acme/slack", before)).toEqual([]);
    expect((await p.settledJob(jobId)).attemptsMade).toBe(1);
  });

  it("skips a job whose operation the API already marked failed (enqueue given up)", async () => {
    const p = pipeline();
    const name = uniqueName("gaveup");
    const jobId = randomUUID();
    const artifact = {
      source: "local" as const,
      staged: await p.stage(jobId, await pluginZip(manifestOf(name, "1.0.0"))),
    };
    const payload = { requestedBy: "worker-tests", artifact };
    await p.submit("install", payload, { jobId, enqueue: false });
    await p.database.jobs.update(jobId, {
      state: "failed",
      error: { code: "QUEUE_UNAVAILABLE", message: "enqueue timed out" },
    });
    // The enqueue did reach Redis after all.
    await p.producer.enqueue({ jobId, type: "install" });

    const job = await p.settledJob(jobId);
    expect(await job.getState()).toBe("completed");
    const op = await p.database.jobs.get(jobId);
    expect(op).toMatchObject({ state: "failed", attempts: 0, error: { code: "QUEUE_UNAVAILABLE" } });
    expect(await p.database.plugins.findByName(name)).toBeNull();
  });
});
