import { createServer, type Server } from "node:net";
import { createQueueConnection } from "@arcade/queue";
import { createMetrics } from "@arcade/telemetry";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { observeJobMetrics } from "./job-metrics.js";
import { type MetricsServer, startMetricsServer } from "./metrics-server.js";
import { sqliteFs } from "./testing/backends.js";
import { uniqueName } from "./testing/describe-backends.js";
import { Pipeline, skipReason } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";
import { startWorkerProcess, type WorkerProcess } from "./testing/worker-process.js";

const redisUrl = process.env.ARCADE_TEST_REDIS_URL ?? "";

/** Polls `check` until it answers something other than undefined (bounded). */
async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of one sample line (`name{labels} value`) of a Prometheus text answer. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** A port that was free a moment ago (listen on 0, close). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(skipReason(sqliteFs) !== undefined)("the worker's metrics endpoint, in process", () => {
  let p: Pipeline;
  let redis: Redis;
  let server: MetricsServer;

  beforeAll(async () => {
    p = await Pipeline.start(sqliteFs);
    const metrics = createMetrics({});
    observeJobMetrics({
      worker: p.workers[0]!.worker,
      jobs: p.database.jobs,
      metrics,
      logger: p.services.logger,
    });
    redis = createQueueConnection(redisUrl);
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      registry: metrics.registry,
      readiness: [
        { name: "database", check: () => p.database.plugins.ping() },
        { name: "redis", check: () => redis.ping() },
        { name: "objectStore", check: () => p.store.ping() },
      ],
    });
  });

  afterAll(async () => {
    await server?.close();
    redis?.disconnect();
    await p?.close();
  });

  it("/metrics counts the jobs this worker ended, by type and outcome, with their durations and steps", async () => {
    const good = await p.install(await pluginZip(manifestOf(uniqueName("metrics-ok"), "1.0.0")));
    expect(good.state, JSON.stringify(good.error)).toBe("succeeded");
    const bad = await p.install(await pluginZip(manifestOf(uniqueName("metrics-bad"), "not-a-version")));
    expect(bad.state).toBe("failed");
    expect(bad.error?.code).toBe("MANIFEST_INVALID");

    // The counters are written right after the queue's events, a moment after the rows.
    const text = await until(async () => {
      const res = await fetch(`${server.url}/metrics`);
      const body = await res.text();
      return sample(body, "arcade_job_duration_seconds_count", { type: "install" }) === 2 ? body : undefined;
    }, "both installs to be counted");

    expect(sample(text, "arcade_jobs_total", { type: "install", state: "succeeded" })).toBe(1);
    expect(sample(text, "arcade_jobs_total", { type: "install", state: "failed" })).toBe(1);
    for (const step of ["fetch", "inspect", "store", "persist", "activate"]) {
      expect(sample(text, "arcade_job_step_duration_seconds_count", { step }), step).toBeGreaterThanOrEqual(
        1,
      );
    }
    // Process metrics come with the registry: memory is what the dashboard plots.
    expect(sample(text, "arcade_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("answers /metrics in the Prometheus text format", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain("# TYPE arcade_jobs_total counter");
  });

  it("/healthz answers while the process runs; /readyz names each dependency", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { database: { ok: true }, redis: { ok: true }, objectStore: { ok: true } },
    });
  });

  it("HEAD works; other paths are 404 and other methods 405, as problem+json", async () => {
    const head = await fetch(`${server.url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");

    const missing = await fetch(`${server.url}/api/v1/plugins`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toMatchObject({ status: 404, code: "NOT_FOUND" });

    const post = await fetch(`${server.url}/metrics`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(await post.json()).toMatchObject({ status: 405, code: "METHOD_NOT_ALLOWED" });
  });

  it("/readyz is 503 and names the dependency that does not answer", async () => {
    // A Redis client on a port nobody listens on: its commands wait for a connection that never comes.
    const dead = createQueueConnection(`redis://127.0.0.1:${await freePort()}`);
    dead.on("error", () => {});
    const other = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: [
        { name: "database", check: () => p.database.plugins.ping() },
        { name: "redis", check: () => dead.ping() },
      ],
      checkTimeoutMs: 300,
    });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: "unavailable",
        checks: { database: { ok: true }, redis: { ok: false, error: "no answer within 300 ms" } },
      });
    } finally {
      await other.close();
      dead.disconnect();
    }
  });

  it("a taken port is an error that says what to set", async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as { port: number };
    try {
      await expect(
        startMetricsServer({
          host: "127.0.0.1",
          port,
          registry: createMetrics({ defaultMetrics: false }).registry,
          readiness: [],
        }),
      ).rejects.toThrow(`port ${port} is taken`);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

describe.skipIf(skipReason(sqliteFs) !== undefined)("a worker process with worker.metrics_port", () => {
  let p: Pipeline;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    p = await Pipeline.start(sqliteFs, { workers: 0 });
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await p?.close();
  });

  it("serves /readyz and /metrics on that port, and stops serving when it exits", async () => {
    const port = await freePort();
    worker = startWorkerProcess(p, { ARCADE_WORKER_METRICS_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    const ready = await until(
      async () => {
        if (worker!.child.exitCode !== null) throw new Error(`worker exited: ${worker!.output()}`);
        const res = await fetch(`${base}/readyz`).catch(() => undefined);
        return res?.status === 200 ? res : undefined;
      },
      "the worker's /readyz",
      60_000,
    );
    expect(await ready.json()).toMatchObject({ status: "ready" });
    expect(worker.output()).toContain(`"url":"${base}"`);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      "arcade_jobs_total",
      "arcade_job_duration_seconds",
      "arcade_job_step_duration_seconds",
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(sample(metrics, "arcade_process_resident_memory_bytes")).toBeGreaterThan(0);

    worker.child.kill("SIGTERM");
    expect(await worker.exited, worker.output()).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
