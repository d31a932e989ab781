import { randomUUID } from "node:crypto";
import type { JobPayloads, JobType } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import { afterEach, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

/** One queued operation: its type and, given its job id, its payload (an update stages its upload). */
interface Step {
  type: JobType;
  payload(jobId: string): Promise<JobPayloads[JobType]>;
}

/** Job ids that sort in submission order, so rows created in the same millisecond keep it too. */
function orderedJobId(i: number): string {
  return `${String(i).padStart(3, "0")}-${randomUUID()}`;
}

/** Creates and enqueues each step as an internal caller would: no lock key on the row. */
async function submitUnlocked(p: Pipeline, steps: Step[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, step] of steps.entries()) {
    const jobId = orderedJobId(i);
    await p.submit(step.type, await step.payload(jobId), { jobId, lockKey: null });
    ids.push(jobId);
  }
  return ids;
}

describeOnBackends(
  "ordering across workers",
  { workers: 2, concurrency: 2, attempts: 3, backoffMs: 50, deferMs: 30 },
  (pipeline) => {
    afterEach(() => {
      pipeline().store.failPuts = 0;
    });

    it("applies queued operations on one plugin in creation order", async () => {
      const p = pipeline();
      const name = uniqueName("order");
      const installed = await p.install(await pluginZip(manifestOf(name, "1.0.0")));
      const pluginId = installed.pluginId!;
      const update = (version: string): Step => ({
        type: "update",
        payload: async (jobId) => ({
          requestedBy: "internal",
          pluginId,
          artifact: {
            source: "local",
            staged: await p.stage(jobId, await pluginZip(manifestOf(name, version))),
          },
        }),
      });
      const state = (type: JobType, extra: Record<string, unknown> = {}): Step => ({
        type,
        payload: async () => ({ requestedBy: "internal", pluginId, ...extra }) as JobPayloads[JobType],
      });
      // The first update fails its first upload and waits out a backoff: without ordering,
      // the quick operations behind it would overtake it.
      p.store.failPuts = 1;
      const steps: Step[] = [
        update("1.1.0"),
        state("configure", { config: { channel: "a" } }),
        state("disable"),
        state("configure", { config: { channel: "b" } }),
        state("enable"),
        update("1.2.0"),
        state("configure", { config: { channel: "c", level: 1 } }),
        state("rollback"),
        state("disable"),
      ];

      const ids = await submitUnlocked(p, steps);
      const ops = await Promise.all(ids.map((id) => p.finished(id)));

      for (const op of ops) expect(op.error, `${op.type} ${op.jobId}`).toBeNull();
      expect(ops[0]?.attempts).toBe(2);
      // Every operation changed something, so each committed one revision: in creation order.
      await expect.poll(() => ids.every((id) => p.eventsOf(id).length === 1)).toBe(true);
      const revisions = ids.map((id) => p.eventsOf(id)[0]!.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(new Set(revisions).size).toBe(revisions.length);
      // And each one started only after the one before it had finished.
      for (let i = 1; i < ops.length; i++) {
        const started = ops[i]!.steps[0]!.startedAt!;
        expect(started >= ops[i - 1]!.finishedAt!.toISOString(), `op ${i} started early`).toBe(true);
      }
      expect(await p.database.plugins.findById(pluginId)).toMatchObject({
        version: "1.1.0",
        isEnabled: PluginStatus.Disabled,
      });
      expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "c", level: 1 });
    });

    it("releases an earlier operation whose job the queue never had, then runs the next", async () => {
      const p = pipeline();
      const name = uniqueName("lost");
      const installed = await p.install(await pluginZip(manifestOf(name, "1.0.0")));
      const pluginId = installed.pluginId!;
      const lost = `000-${randomUUID()}`;
      // Written long ago and never enqueued: the process that created it died in between.
      await p.submit(
        "configure",
        { requestedBy: "internal", pluginId, config: { channel: "lost" } },
        { jobId: lost, lockKey: null, enqueue: false, createdAt: new Date(Date.now() - 600_000) },
      );
      const next = await p.submit("disable", { requestedBy: "internal", pluginId }, { lockKey: null });

      const op = await p.finished(next);

      expect(op.error).toBeNull();
      expect(await p.database.plugins.findById(pluginId)).toMatchObject({ isEnabled: PluginStatus.Disabled });
      expect(await p.database.jobs.get(lost)).toMatchObject({
        state: "failed",
        error: { code: "INTERNAL" },
        lockKey: null,
      });
    });
  },
);
