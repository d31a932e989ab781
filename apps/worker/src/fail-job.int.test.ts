import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { archiveTools } from "@arcade/archive";
import type { JobPayloads } from "@arcade/contracts";
import {
  AppError,
  failJob,
  type JobServices,
  type Logger,
  resolveArchiveLimits,
  systemClock,
} from "@arcade/core";
import { openDatabase } from "@arcade/db";
import { afterEach, describe, expect, it } from "vitest";
import { LocalJobFiles } from "./local-job-files.js";
import { type BackendResources, sqliteFs } from "./testing/backends.js";
import { FaultyObjectStore } from "./testing/faulty-store.js";
import { jobRow } from "./testing/job-row.js";

interface Line {
  level: string;
  fields: object;
  msg: string | undefined;
}

function capturingLogger(lines: Line[]): Logger {
  const at =
    (level: string) =>
    (fieldsOrMsg: object | string, msg?: string): void => {
      if (typeof fieldsOrMsg === "string") lines.push({ level, fields: {}, msg: fieldsOrMsg });
      else lines.push({ level, fields: fieldsOrMsg, msg });
    };
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return logger;
}

function servicesOn(resources: BackendResources, logger: Logger): JobServices {
  return {
    plugins: resources.database.plugins,
    jobs: resources.database.jobs,
    store: resources.store,
    archives: archiveTools,
    events: { publish: async () => {} },
    convergence: null,
    market: null,
    clock: systemClock,
    logger,
    files: new LocalJobFiles(join(resources.dir, "work")),
    settings: {
      retainVersions: 3,
      archiveLimits: resolveArchiveLimits({}),
      maxPluginSize: 1024 * 1024,
      convergenceTimeoutMs: 0,
    },
  };
}

describe("failJob when the database is down", () => {
  let resources: BackendResources | undefined;
  afterEach(async () => {
    await resources?.dispose().catch(() => {});
    resources = undefined;
  });

  it("still compensates, logs one line saying what is stuck and how to fix it, and rethrows", async () => {
    resources = await sqliteFs.open();
    const lines: Line[] = [];
    const svc = servicesOn(resources, capturingLogger(lines));
    const jobId = randomUUID();
    const key = `staging/${jobId}`;
    const put = await resources.store.put(key, Readable.from([Buffer.from("not a zip")]));
    const payload: JobPayloads["install"] = {
      requestedBy: "worker-tests",
      artifact: {
        source: "local",
        staged: { key, size: put.size, sha256: put.sha256, kind: "zip", fileName: "x.zip" },
      },
    };
    await resources.database.jobs.create(jobRow(jobId, "install", payload, { state: "running" }));
    await resources.database.close();

    const failing = failJob(
      svc,
      { jobId, type: "install", payload, attempt: 3 },
      new AppError("ARCHIVE_INVALID", "not a zip"),
    );

    await expect(failing).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(await resources.store.head(key)).toBeNull();
    const errors = lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toContain(jobId);
    expect(errors[0]?.msg).toContain("ARCHIVE_INVALID");
    expect(errors[0]?.msg).toContain("UPDATE t_plugin_operation SET state='failed'");

    // Nothing was recorded: the row is still unfinished once the database is back.
    const reopened = await openDatabase({ type: "sqlite", path: join(resources.dir, "arcade.db") });
    try {
      expect((await reopened.jobs.get(jobId))?.state).toBe("running");
    } finally {
      await reopened.close();
    }
  });
});

describe("failJob when the object store is down", () => {
  let resources: BackendResources | undefined;
  afterEach(async () => {
    await resources?.dispose().catch(() => {});
    resources = undefined;
  });

  it("records the failure only once it could remove the staged upload", async () => {
    resources = await sqliteFs.open();
    const lines: Line[] = [];
    const store = new FaultyObjectStore(resources.store);
    const svc = { ...servicesOn(resources, capturingLogger(lines)), store };
    const jobId = randomUUID();
    const key = `staging/${jobId}`;
    const put = await resources.store.put(key, Readable.from([Buffer.from("zip bytes")]));
    const payload: JobPayloads["install"] = {
      requestedBy: "worker-tests",
      artifact: {
        source: "local",
        staged: { key, size: put.size, sha256: put.sha256, kind: "zip", fileName: "x.zip" },
      },
    };
    await resources.database.jobs.create(jobRow(jobId, "install", payload, { state: "running" }));
    const attempt = { jobId, type: "install" as const, payload, attempt: 3 };
    const error = new AppError("STORAGE_UNAVAILABLE", "S3 get failed");

    store.failDeletes.add(key);
    await expect(failJob(svc, attempt, error)).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    // Not "failed" while something of it is left: the recovery calls it again later.
    expect((await resources.database.jobs.get(jobId))?.state).toBe("running");
    expect(await resources.store.head(key)).not.toBeNull();
    expect(lines.filter((l) => l.level === "error")).toHaveLength(1);

    store.failDeletes.clear();
    await failJob(svc, attempt, error);
    expect(await resources.store.head(key)).toBeNull();
    const row = await resources.database.jobs.get(jobId);
    expect(row?.state).toBe("failed");
    expect(row?.error?.code).toBe("STORAGE_UNAVAILABLE");
  });

  it("finishes an install whose change an earlier attempt committed as succeeded, not failed", async () => {
    resources = await sqliteFs.open();
    const svc = servicesOn(resources, capturingLogger([]));
    const jobId = randomUUID();
    const key = `staging/${jobId}`;
    const put = await resources.store.put(key, Readable.from([Buffer.from("zip bytes")]));
    const payload: JobPayloads["install"] = {
      requestedBy: "worker-tests",
      artifact: {
        source: "local",
        staged: { key, size: put.size, sha256: put.sha256, kind: "zip", fileName: "x.zip" },
      },
    };
    const committed = { version: "1.0.0", checksum: put.sha256, revision: 7 };
    await resources.database.jobs.create(
      jobRow(jobId, "install", payload, { state: "running", result: committed }),
    );

    await failJob(
      svc,
      { jobId, type: "install", payload, attempt: 5 },
      new AppError("STORAGE_UNAVAILABLE", "S3 delete failed during cleanup"),
    );

    const row = await resources.database.jobs.get(jobId);
    expect(row).toMatchObject({
      state: "succeeded",
      error: null,
      result: { version: "1.0.0", checksum: put.sha256 },
    });
    expect(await resources.store.head(key)).toBeNull();
  });
});
