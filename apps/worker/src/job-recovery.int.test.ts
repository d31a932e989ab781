import { randomUUID } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { archiveTools } from "@arcade/archive";
import type { JobPayloads } from "@arcade/contracts";
import {
  artifactKey,
  type JobServices,
  type Logger,
  resolveArchiveLimits,
  stagingKey,
  systemClock,
} from "@arcade/core";
import { afterEach, describe, expect, it } from "vitest";
import { JobRecovery, type QueueJobView } from "./job-recovery.js";
import { LocalJobFiles } from "./local-job-files.js";
import type { QueueJobState } from "./lost-job.js";
import { sweepScratch } from "./scratch-sweep.js";
import { type BackendResources, sqliteFs } from "./testing/backends.js";
import { jobRow } from "./testing/job-row.js";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function servicesOn(resources: BackendResources): JobServices {
  return {
    plugins: resources.database.plugins,
    jobs: resources.database.jobs,
    store: resources.store,
    archives: archiveTools,
    events: { publish: async () => {} },
    convergence: null,
    market: null,
    clock: systemClock,
    logger: silent,
    files: new LocalJobFiles(join(resources.dir, "work")),
    settings: {
      retainVersions: 3,
      archiveLimits: resolveArchiveLimits({}),
      maxPluginSize: 1024 * 1024,
      convergenceTimeoutMs: 0,
    },
  };
}

/** An install the worker gave up on after staging its upload and storing its artifact. */
async function abandonedInstall(resources: BackendResources, state: "running" | "queued") {
  const jobId = randomUUID();
  const pluginId = `plugin_lost-${jobId.slice(0, 6)}_abcdef`;
  const staged = await resources.store.put(stagingKey(jobId), Readable.from([Buffer.from("zip bytes")]));
  await resources.store.put(artifactKey(pluginId, "1.0.0"), Readable.from([Buffer.from("zip bytes")]));
  const payload: JobPayloads["install"] = {
    requestedBy: "worker-tests",
    artifact: {
      source: "local",
      staged: {
        key: stagingKey(jobId),
        size: staged.size,
        sha256: staged.sha256,
        kind: "zip",
        fileName: "x.zip",
      },
    },
  };
  await resources.database.jobs.create(
    jobRow(jobId, "install", payload, { state, pluginId, lockKey: null, attempts: 6 }),
  );
  return { jobId, pluginId };
}

describe("JobRecovery", () => {
  let resources: BackendResources | undefined;
  afterEach(async () => {
    await resources?.dispose();
    resources = undefined;
  });

  it("compensates and records, with the queue's code, an operation whose job failed without recording it", async () => {
    resources = await sqliteFs.open();
    const lost = await abandonedInstall(resources, "running");
    const live = await abandonedInstall(resources, "running");
    const views: Record<string, QueueJobView> = {
      [lost.jobId]: {
        state: "failed",
        failure: { code: "DATABASE_UNAVAILABLE", message: "database unavailable: connect ECONNREFUSED" },
      },
      [live.jobId]: { state: "active" as QueueJobState, failure: null },
    };
    const recovery = new JobRecovery({
      services: servicesOn(resources),
      logger: silent,
      job: async (jobId) => views[jobId] ?? { state: "unknown", failure: null },
    });

    expect(await recovery.sweep()).toBe(1);

    const row = await resources.database.jobs.get(lost.jobId);
    expect(row).toMatchObject({ state: "failed", lockKey: null });
    expect(row?.error?.code).toBe("DATABASE_UNAVAILABLE");
    expect(await resources.store.head(stagingKey(lost.jobId))).toBeNull();
    expect(await resources.store.list(`plugins/${lost.pluginId}/`)).toEqual([]);
    // A job still in the queue is none of its business.
    expect((await resources.database.jobs.get(live.jobId))?.state).toBe("running");
    expect(await resources.store.head(stagingKey(live.jobId))).not.toBeNull();
    // Nothing left to do on the next pass.
    expect(await recovery.sweep()).toBe(0);
  });

  it("waits out the grace period for a row whose job the queue never saw", async () => {
    resources = await sqliteFs.open();
    const young = await abandonedInstall(resources, "queued");
    const recovery = new JobRecovery({
      services: servicesOn(resources),
      logger: silent,
      job: async () => ({ state: "unknown", failure: null }),
      lostGraceMs: 60_000,
    });
    expect(await recovery.sweep()).toBe(0);
    expect((await resources.database.jobs.get(young.jobId))?.state).toBe("queued");
  });
});

describe("sweepScratch", () => {
  let resources: BackendResources | undefined;
  afterEach(async () => {
    await resources?.dispose();
    resources = undefined;
  });

  it("removes the folders of finished or unknown jobs and keeps those of unfinished ones", async () => {
    resources = await sqliteFs.open();
    const workDir = join(resources.dir, "work");
    const finished = await abandonedInstall(resources, "running");
    await resources.database.jobs.update(finished.jobId, {
      state: "succeeded",
      finishedAt: new Date(),
    });
    const running = await abandonedInstall(resources, "running");
    const unknown = randomUUID();
    for (const jobId of [finished.jobId, running.jobId, unknown]) {
      await mkdir(join(workDir, jobId), { recursive: true });
      await writeFile(join(workDir, jobId, "upload"), "bytes");
    }

    expect(await sweepScratch(workDir, resources.database.jobs)).toBe(2);
    expect(await readdir(workDir)).toEqual([running.jobId]);
    expect(await sweepScratch(join(resources.dir, "absent"), resources.database.jobs)).toBe(0);
  });
});
