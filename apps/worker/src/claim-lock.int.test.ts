import { randomUUID } from "node:crypto";
import { submitJob, systemClock } from "@arcade/core";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

/** A configure of `pluginId` submitted the way the API submits it (the row holds the plugin's lock). */
function submitConfigure(p: Pipeline, pluginId: string) {
  return submitJob(
    { jobs: p.database.jobs, queue: p.producer, clock: systemClock },
    {
      jobId: randomUUID(),
      type: "configure",
      pluginId,
      payload: { requestedBy: "worker-tests", pluginId, config: { channel: "next" } },
      requestedBy: "worker-tests",
      idempotencyKey: null,
    },
  );
}

// Why the worker needs no ordering gate between the jobs of one plugin: every job holds its plugin's lock from its first row write, and an install from the moment it claims
// its name (in the same row update), so a second unfinished job of one plugin cannot exist.
describeOnBackends("one unfinished job per plugin", { workers: 1 }, (pipeline) => {
  it("an install holds its plugin's lock from the moment it claims its name", async () => {
    const p = pipeline();
    const name = uniqueName("claim");
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = () => {};
    const atStore = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // The install stops in its store step, after inspect claimed the name.
    p.store.beforePut = async (key) => {
      if (!key.startsWith("plugins/")) return;
      reached();
      await held;
    };
    try {
      const jobId = randomUUID();
      const artifact = {
        source: "local" as const,
        staged: await p.stage(jobId, await pluginZip(manifestOf(name, "1.0.0"))),
      };
      await p.submit("install", { requestedBy: "worker-tests", artifact }, { jobId });
      await atStore;

      const row = await p.database.jobs.get(jobId);
      expect(row).toMatchObject({ state: "running", step: "store" });
      expect(row?.pluginId).toMatch(/^plugin_/);
      expect(row?.lockKey).toBe(row?.pluginId);
      await expect(submitConfigure(p, row!.pluginId!)).rejects.toMatchObject({
        code: "OPERATION_IN_PROGRESS",
        extras: { inFlightJobId: jobId },
      });

      p.store.beforePut = null;
      release();
      expect(await p.finished(jobId)).toMatchObject({ state: "succeeded", lockKey: null });
      // Finished: the plugin is free for the next job.
      const next = await submitConfigure(p, row!.pluginId!);
      expect(next.created).toBe(true);
      expect(await p.finished(next.operation.jobId)).toMatchObject({ state: "succeeded" });
    } finally {
      p.store.beforePut = null;
      release();
    }
  });
});
