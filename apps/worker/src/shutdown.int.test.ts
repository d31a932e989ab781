import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { NodeRegistry } from "@arcade/bus";
import { silentLogger } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteFs } from "./testing/backends.js";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { Pipeline, skipReason } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";
import { startWorkerProcess } from "./testing/worker-process.js";

/** Polls `check` until it answers something other than undefined. */
async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeOnBackends("graceful shutdown", {}, (pipeline) => {
  it("close() waits for the active job, which then succeeds", async () => {
    const p = pipeline();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let storing!: () => void;
    const reachedStore = new Promise<void>((resolve) => {
      storing = resolve;
    });
    p.store.beforePut = async () => {
      storing();
      await held;
    };
    const jobId = randomUUID();
    const artifact = {
      source: "local" as const,
      staged: await p.stage(jobId, await pluginZip(manifestOf(uniqueName("slow"), "1.0.0"))),
    };
    await p.submit("install", { requestedBy: "worker-tests", artifact }, { jobId });
    await reachedStore;

    let closed = false;
    const closing = p.workers[0]!.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    expect((await p.database.jobs.get(jobId))?.state).toBe("running");

    release();
    await closing;
    p.store.beforePut = null;
    const op = await p.database.jobs.get(jobId);
    expect(op?.state).toBe("succeeded");
    expect(op?.attempts).toBe(1);
  });
});

describe.skipIf(skipReason(sqliteFs) !== undefined)("SIGTERM to a worker process", () => {
  let p: Pipeline;
  let registry: NodeRegistry;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    p = await Pipeline.start(sqliteFs, { workers: 0 });
    registry = new NodeRegistry({
      redis: process.env.ARCADE_TEST_REDIS_URL!,
      prefix: p.prefix,
      heartbeatTtlMs: 60_000,
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await registry?.close();
    await p?.close();
  });

  it("finishes the job it is carrying out, then exits 0", async () => {
    const started = startWorkerProcess(p);
    child = started.child;
    await until(async () => (started.output().includes("worker ready") ? true : undefined), "worker ready");
    // A live node that never applies anything: activate waits out the convergence timeout.
    await registry.heartbeat({
      nodeId: "silent-node",
      host: "test",
      pid: process.pid,
      startedAt: new Date().toISOString(),
      appliedRevision: 0,
      plugins: [],
      version: "0.0.0",
    });
    const jobId = randomUUID();
    const artifact = {
      source: "local" as const,
      staged: await p.stage(jobId, await pluginZip(manifestOf(uniqueName("sigterm"), "1.0.0"))),
    };
    await p.submit("install", { requestedBy: "worker-tests", artifact }, { jobId });
    await until(async () => {
      const op = await p.database.jobs.get(jobId);
      return op?.step === "activate" && op.state === "running" ? op : undefined;
    }, "the activate step");

    child.kill("SIGTERM");
    const code = await started.exited;

    expect(code, started.output()).toBe(0);
    const op = await p.database.jobs.get(jobId);
    // Finished, not abandoned: the one live node never answered, so no node runs the plugin
    // (honest convergence): the job failed and its install was rolled back before the exit.
    expect(op?.state).toBe("failed");
    expect(op?.attempts).toBe(1);
    expect(op?.error).toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      nodes: { expected: 1, applied: [], failed: [], pending: ["silent-node"] },
      recovery: { action: "uninstalled" },
    });
    expect(op?.pluginId && (await p.database.plugins.findById(op.pluginId))).toBeNull();
    expect(started.output()).toContain("stopped");
  });
});
