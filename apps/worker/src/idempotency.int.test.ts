import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { JobPayloads } from "@arcade/contracts";
import { type JobAttempt, runJob, sweepPluginObjects } from "@arcade/core";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

/** An install row and its staged upload, not enqueued: the test runs the attempts by hand. */
async function preparedInstall(p: Pipeline, name: string, version = "1.0.0"): Promise<JobAttempt> {
  const jobId = randomUUID();
  const staged = await p.stage(jobId, await pluginZip(manifestOf(name, version)));
  const payload: JobPayloads["install"] = {
    requestedBy: "worker-tests",
    artifact: { source: "local", staged },
  };
  await p.submit("install", payload, { jobId, enqueue: false });
  return { jobId, type: "install", payload, attempt: 1 };
}

async function footprint(p: Pipeline, name: string) {
  const plugin = await p.database.plugins.findByName(name);
  const { items } = await p.database.plugins.list({ q: name, page: 1, pageSize: 10 });
  return {
    pluginRows: items.length,
    versionRows: plugin ? (await p.database.plugins.versions(plugin.pluginId)).length : 0,
    objects: plugin ? await p.objects(`plugins/${plugin.pluginId}/`) : [],
  };
}

describeOnBackends("idempotent steps", { workers: 0 }, (pipeline) => {
  it("an attempt run again after every step ran (success not recorded) changes nothing", async () => {
    const p = pipeline();
    const name = uniqueName("again");
    const attempt = await preparedInstall(p, name);
    const first = await runJob(p.services, attempt);
    const after = await footprint(p, name);
    const revision = await p.database.plugins.currentRevision();
    // The worker died before the queue saw the result: the job is delivered again.
    await p.database.jobs.update(attempt.jobId, { state: "running", finishedAt: null });

    const second = await runJob(p.services, { ...attempt, attempt: 2 });

    expect(second).toMatchObject({ version: first.version, checksum: first.checksum });
    expect(await footprint(p, name)).toEqual(after);
    expect(after).toMatchObject({ pluginRows: 1, versionRows: 1 });
    expect(after.objects).toHaveLength(1);
    expect(await p.database.plugins.currentRevision()).toBe(revision);
    const op = await p.database.jobs.get(attempt.jobId);
    expect(op?.state).toBe("succeeded");
    expect(op?.steps.map((s) => [s.name, s.state])).toEqual([
      ["fetch", "succeeded"],
      ["verify", "skipped"],
      ["inspect", "skipped"],
      ["store", "skipped"],
      ["persist", "skipped"],
      ["activate", "succeeded"],
      ["cleanup", "succeeded"],
    ]);
  });

  it("the same attempt called twice answers the recorded result and does no work", async () => {
    const p = pipeline();
    const name = uniqueName("twice");
    const attempt = await preparedInstall(p, name);
    const first = await runJob(p.services, attempt);
    const puts = p.store.puts;
    const second = await runJob(p.services, attempt);
    expect(second).toEqual(first);
    expect(p.store.puts).toBe(puts);
    expect(await footprint(p, name)).toMatchObject({ pluginRows: 1, versionRows: 1 });
  });

  it("a run after persist committed but before staging was cleaned ends in the same state", async () => {
    const p = pipeline();
    const name = uniqueName("halfway");
    const attempt = await preparedInstall(p, name);
    const revision = await p.database.plugins.currentRevision();
    const stagingKey = `staging/${attempt.jobId}`;
    p.store.failDeletes.add(stagingKey);

    await expect(runJob(p.services, attempt)).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    const halfway = await p.database.jobs.get(attempt.jobId);
    expect(halfway?.steps.find((s) => s.name === "persist")?.state).toBe("succeeded");
    expect(halfway?.steps.find((s) => s.name === "cleanup")?.state).toBe("failed");
    expect(await p.objects("staging/")).toContain(stagingKey);
    p.store.failDeletes.delete(stagingKey);
    const puts = p.store.puts;

    const result = await runJob(p.services, { ...attempt, attempt: 2 });

    expect(result.version).toBe("1.0.0");
    const after = await footprint(p, name);
    expect(after).toMatchObject({ pluginRows: 1, versionRows: 1 });
    expect(after.objects).toHaveLength(1);
    expect(p.store.puts).toBe(puts);
    expect(await p.objects("staging/")).not.toContain(stagingKey);
    expect(await p.database.plugins.currentRevision()).toBe(revision + 1);
    expect((await p.database.jobs.get(attempt.jobId))?.state).toBe("succeeded");
  });

  it("an update re-run after its persist committed keeps one row per version and the config", async () => {
    const p = pipeline();
    const name = uniqueName("upagain");
    const install = await preparedInstall(p, name);
    await runJob(p.services, install);
    const pluginId = (await p.database.plugins.findByName(name))!.pluginId;
    await p.database.plugins.transaction((tx) => tx.setConfig(pluginId, { channel: "kept" }));

    const jobId = randomUUID();
    const staged = await p.stage(jobId, await pluginZip(manifestOf(name, "1.1.0")));
    const payload: JobPayloads["update"] = {
      requestedBy: "worker-tests",
      pluginId,
      artifact: { source: "local", staged },
    };
    await p.submit("update", payload, { jobId, enqueue: false });
    p.store.failDeletes.add(staged.key);
    const attempt: JobAttempt = { jobId, type: "update", payload, attempt: 1 };
    await expect(runJob(p.services, attempt)).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    p.store.failDeletes.delete(staged.key);

    await runJob(p.services, { ...attempt, attempt: 2 });

    expect((await p.database.plugins.versions(pluginId)).map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(await p.objects(`plugins/${pluginId}/`)).toHaveLength(2);
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "kept" });
    expect(await p.objects("staging/")).not.toContain(staged.key);
  });

  it("the orphan sweep keeps every retained version and the current one, and deletes the rest", async () => {
    const p = pipeline();
    const name = uniqueName("sweep");
    await runJob(p.services, await preparedInstall(p, name, "1.0.0"));
    const pluginId = (await p.database.plugins.findByName(name))!.pluginId;
    const current = `plugins/${pluginId}/1.0.0/${pluginId}_1.0.0.zip`;
    const orphan = `plugins/${pluginId}/0.9.0/${pluginId}_0.9.0.zip`;
    await p.resources.store.put(orphan, Readable.from([Buffer.from("x")]));
    // Even without its version row, the current version's artifact must survive.
    await p.database.plugins.transaction((tx) => tx.deleteVersion(pluginId, "1.0.0"));

    expect(await sweepPluginObjects(p.services.store, p.services.plugins, pluginId)).toBe(1);
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual([current]);

    await p.database.plugins.transaction((tx) => tx.deletePlugin(pluginId));
    expect(await sweepPluginObjects(p.services.store, p.services.plugins, pluginId)).toBe(1);
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual([]);
  });
});
