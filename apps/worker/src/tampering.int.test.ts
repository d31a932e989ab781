import { randomUUID } from "node:crypto";
import { PluginStatus } from "@arcade/contracts";
import { createQueueConnection } from "@arcade/queue";
import { afterAll, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

// The queue carries only the job id; the worker runs what the row recorded. A queued job whose
// name or data were rewritten in Redis fails JOB_TAMPERED, recorded on its row, without running.
describeOnBackends("jobs rewritten in the queue", { workers: 0 }, (pipeline) => {
  const redis = createQueueConnection(process.env.ARCADE_TEST_REDIS_URL ?? "", { lazyConnect: true });
  afterAll(() => redis.disconnect());

  it("a rewritten waiting job fails JOB_TAMPERED; one enqueued with its recorded payload (older versions) runs", async () => {
    const p = pipeline();
    // An install needs a worker; the later jobs wait in the queue until the next one starts.
    const installer = p.startWorker();
    const installed = await p.install(await pluginZip(manifestOf(uniqueName("tamper"), "1.0.0")));
    await installer.close();
    const pluginId = installed.pluginId!;
    const key = (jobId: string) => `${p.prefix}:plugin-ops:${jobId}`;

    const renamed = await p.submit("enable", { requestedBy: "worker-tests", pluginId }, { lockKey: null });
    await redis.hset(key(renamed), { name: "uninstall" });
    const rewritten = await p.submit(
      "configure",
      { requestedBy: "worker-tests", pluginId, config: { channel: "recorded" } },
      { lockKey: null },
    );
    await redis.hset(key(rewritten), {
      data: JSON.stringify({ requestedBy: "worker-tests", pluginId, config: { channel: "forged" } }),
    });
    const legacyPayload = { requestedBy: "worker-tests", pluginId, config: { channel: "legacy" } };
    const legacy = await p.submit("configure", legacyPayload, { lockKey: null });
    await redis.hset(key(legacy), { data: JSON.stringify(legacyPayload) });
    p.startWorker();

    for (const jobId of [renamed, rewritten]) {
      const job = await p.finished(jobId);
      expect(job).toMatchObject({ state: "failed", error: { code: "JOB_TAMPERED" }, lockKey: null });
      expect(job.steps.every((s) => s.state === "pending")).toBe(true);
    }
    expect(await p.finished(legacy)).toMatchObject({ state: "succeeded", error: null });
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ isEnabled: PluginStatus.Enabled });
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "legacy" });
    expect(p.eventsOf(renamed)).toEqual([]);
    expect(p.eventsOf(rewritten)).toEqual([]);
  });

  it("a row whose recorded payload does not fit its type is failed VALIDATION_FAILED without running", async () => {
    const p = pipeline();
    const before = await p.database.plugins.currentRevision();
    const jobId = await p.submit(
      "configure",
      { requestedBy: "worker-tests", pluginId: "plugin_ghost_aaaaaa", config: {} },
      { payload: { requestedBy: "worker-tests", pluginId: "plugin_ghost_aaaaaa", config: "not an object" } },
    );
    expect(await p.finished(jobId)).toMatchObject({
      state: "failed",
      error: { code: "VALIDATION_FAILED" },
      lockKey: null,
    });
    expect(await p.database.plugins.currentRevision()).toBe(before);
  });
});

describeOnBackends("delayed jobs rewritten in the queue", { workers: 1, backoffMs: 600_000 }, (pipeline) => {
  const redis = createQueueConnection(process.env.ARCADE_TEST_REDIS_URL ?? "", { lazyConnect: true });
  afterAll(() => redis.disconnect());

  it("an install waiting out its retry, rewritten into an uninstall, fails JOB_TAMPERED and is undone", async () => {
    const p = pipeline();
    const name = uniqueName("delayed");
    const jobId = randomUUID();
    const artifact = {
      source: "local" as const,
      staged: await p.stage(jobId, await pluginZip(manifestOf(name, "1.0.0"))),
    };
    // The first attempt fails in its store step (after claiming the name) and waits out a long backoff.
    p.store.failPuts = 1;
    await p.submit("install", { requestedBy: "worker-tests", artifact }, { jobId });
    await expect.poll(async () => (await p.producer.queue.getJob(jobId))?.getState()).toBe("delayed");
    const claimed = (await p.database.jobs.get(jobId))?.pluginId;
    expect(claimed).toMatch(/^plugin_/);

    await redis.hset(`${p.prefix}:plugin-ops:${jobId}`, {
      name: "uninstall",
      data: JSON.stringify({ requestedBy: "worker-tests", pluginId: claimed }),
    });
    await (await p.producer.queue.getJob(jobId))?.promote();

    expect(await p.finished(jobId)).toMatchObject({
      state: "failed",
      attempts: 1,
      error: { code: "JOB_TAMPERED" },
      lockKey: null,
    });
    expect(await p.database.plugins.findByName(name)).toBeNull();
    expect(await p.objects(`plugins/${claimed}/`)).toEqual([]);
    expect(await p.objects("staging/")).not.toContain(artifact.staged.key);
  });
});
