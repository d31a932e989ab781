import { randomBytes } from "node:crypto";
import type { Paged, PluginResource } from "@arcade/contracts";
import type mysql from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { useFaultPlatform } from "./support/fault-platform.js";
import {
  accept,
  bigPlugin,
  bounded,
  expectProblem,
  expectStoreHolds,
  getJob,
  installWithSignal,
} from "./support/outage.js";
import { API, delay, jobRow, openSql, queueState, rowsForName, waitFor, waitJobs } from "./support/probes.js";

// The object store (s3rver) stopped (and started again on the same port with its objects)
// while installs run. Same retry budget as the database suite: 6 attempts, backoff 650 ms
// doubling, so the last attempt starts about 20 s after the first failure.
//
// The jobs are held in their inspect step (the test locks t_plugin, which inspect reads) until
// the store is gone, so each of them has its upload staged and is about to store its artifact.

const ATTEMPTS = 6;
const BACKOFF_MS = 650;
const BUDGET_MS = BACKOFF_MS * (2 ** (ATTEMPTS - 1) - 1);
const SHORT_OUTAGE_MS = 10_000;

const suite = useFaultPlatform({
  label: "store-outage",
  platform: {
    apis: 1,
    workers: 1,
    database: "mysql",
    storage: "s3",
    env: {
      ARCADE_WORKER_ATTEMPTS: String(ATTEMPTS),
      ARCADE_WORKER_BACKOFF_MS: String(BACKOFF_MS),
      ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "100MiB",
    },
  },
});

const suffix = randomBytes(3).toString("hex");

describe("faults: the object store stopped during installs", () => {
  const connections: mysql.Connection[] = [];
  const installed: { pluginId: string; version: string }[] = [];

  // Per test: a failed test must not leave a lock held for the next one.
  afterEach(async () => {
    for (const c of connections.splice(0)) c.destroy();
  });

  async function sql(): Promise<mysql.Connection> {
    const c = await openSql(suite.services(), suite.platform());
    connections.push(c);
    return c;
  }

  /** Accepts installs of `names` and holds them in inspect; returns the job ids and the lock holder. */
  async function acceptHeldInInspect(
    names: string[],
  ): Promise<{ jobIds: string[]; locker: mysql.Connection }> {
    const p = suite.platform();
    const watcher = await sql();
    const locker = await sql();
    await locker.query("LOCK TABLES t_plugin WRITE");
    const jobIds: string[] = [];
    for (const name of names) jobIds.push(await accept(p, await bigPlugin(name)));
    await waitFor("a job is held in inspect", async () => {
      const rows = await Promise.all(jobIds.map((id) => jobRow(watcher, id)));
      return rows.some((r) => r?.step === "inspect") ? true : undefined;
    });
    return { jobIds, locker };
  }

  /** While the store is gone: uploads are a quick 503 STORAGE_UNAVAILABLE; reads of the database still work. */
  async function expectStorageUnavailable(jobId: string, zipName: string): Promise<void> {
    const p = suite.platform();
    const zip = await bigPlugin(zipName, 1);
    const install = await bounded("POST /plugins/install", (signal) => installWithSignal(p, zip, signal));
    expectProblem(install, 503, "STORAGE_UNAVAILABLE");
    expect(install.headers.get("retry-after")).toBe("5");
    const job = await bounded("GET /jobs/:id", (signal) => getJob(p, jobId, signal));
    expect(job.status, job.text).toBe(200);
    const ready = await bounded("GET /readyz", (signal) => fetch(`${p.apis[0]!.url}/readyz`, { signal }));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      checks: { objectStore: { ok: false }, database: { ok: true } },
    });
  }

  it("a 10 s outage: uploads meanwhile are 503 STORAGE_UNAVAILABLE, the jobs retry and succeed once it is back", async () => {
    const p = suite.platform();
    const s = suite.services();
    const names = [1, 2, 3].map((i) => `store-short-${i}-${suffix}`);
    const { jobIds, locker } = await acceptHeldInInspect(names);

    const down = Date.now();
    await s.stop("s3rver");
    await locker.query("UNLOCK TABLES");
    await expectStorageUnavailable(jobIds[0]!, `store-refused-${suffix}`);
    await delay(Math.max(0, SHORT_OUTAGE_MS - (Date.now() - down)));
    await s.start("s3rver");

    const jobs = await waitJobs(p, jobIds, 90_000);
    for (const job of jobs) {
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      installed.push({ pluginId: job.pluginId!, version: "1.0.0" });
    }
    expect(Math.max(...jobs.map((j) => j.attempts))).toBeGreaterThan(1);
    for (const [i, name] of names.entries()) {
      const pluginId = jobs[i]!.pluginId!;
      expect(await rowsForName(await sql(), name)).toEqual({
        plugins: [`${pluginId}@1.0.0`],
        versions: [`${pluginId}@1.0.0`],
        configs: 1,
      });
    }
    expect(await rowsForName(await sql(), `store-refused-${suffix}`)).toEqual({
      plugins: [],
      versions: [],
      configs: 0,
    });
    await expectStoreHolds(p, installed);
    const listed = await p.call<Paged<PluginResource>>("GET", `${API}/plugins?pageSize=100`);
    expect(listed.body.total).toBe(installed.length);
  });

  it("an outage longer than the retry budget: the jobs fail with STORAGE_UNAVAILABLE and leave nothing behind", async () => {
    const p = suite.platform();
    const s = suite.services();
    const names = [1, 2].map((i) => `store-long-${i}-${suffix}`);
    const { jobIds, locker } = await acceptHeldInInspect(names);
    // Their uploads are staged: that is what must not outlive the failure.
    expect((await p.listObjects("staging/")).length).toBe(names.length);

    await s.stop("s3rver");
    await locker.query("UNLOCK TABLES");
    await expectStorageUnavailable(jobIds[0]!, `store-refused-long-${suffix}`);
    await waitFor(
      "the queue gave up on every job",
      async () => {
        const states = await Promise.all(
          jobIds.map((id) => queueState(s.redisUrl, p.resources.redisPrefix, id)),
        );
        return states.every((x) => x === "failed") ? true : undefined;
      },
      { timeoutMs: BUDGET_MS + 40_000, intervalMs: 500 },
    );
    await s.start("s3rver");

    const jobs = await waitJobs(p, jobIds, 60_000);
    for (const job of jobs) {
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("STORAGE_UNAVAILABLE");
    }
    for (const name of names) {
      expect(await rowsForName(await sql(), name)).toEqual({ plugins: [], versions: [], configs: 0 });
    }
    // No staged upload, no artifact of the failed installs.
    await expectStoreHolds(p, installed);
  });

  it("an outage right after a job committed its change: the job ends succeeded (not failed) once the store is back, with its cleanup done", async () => {
    const p = suite.platform();
    const s = suite.services();
    const name = `store-committed-${suffix}`;
    const watcher = await sql();
    const locker = await sql();
    // Held in persist (artifact stored, transaction open), the store goes, then the commit.
    await locker.query("START TRANSACTION");
    await locker.query("SELECT revision FROM t_cluster_revision WHERE id = 1 FOR UPDATE");
    const jobId = await accept(p, await bigPlugin(name));
    await waitFor("the job blocks inside its persist transaction", async () => {
      const [rows] = await watcher.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE t_cluster_revision%'",
      );
      return Number(rows[0]?.n) > 0 ? true : undefined;
    });
    await s.stop("s3rver");
    await locker.query("ROLLBACK");
    // activate and cleanup (deleting the staged upload) fail until the queue gives up.
    await waitFor(
      "the queue gave up on the job",
      async () =>
        (await queueState(s.redisUrl, p.resources.redisPrefix, jobId)) === "failed" ? true : undefined,
      { timeoutMs: BUDGET_MS + 40_000, intervalMs: 500 },
    );
    await s.start("s3rver");

    const [job] = await waitJobs(p, [jobId], 60_000);
    expect(job?.state, JSON.stringify(job?.error)).toBe("succeeded");
    expect(job?.result).toMatchObject({ version: "1.0.0" });
    const pluginId = job!.pluginId!;
    expect(await rowsForName(watcher, name)).toEqual({
      plugins: [`${pluginId}@1.0.0`],
      versions: [`${pluginId}@1.0.0`],
      configs: 1,
    });
    installed.push({ pluginId, version: "1.0.0" });
    await expectStoreHolds(p, installed);
    // And the node runs it (its reconcile timer catches up without an event).
    await waitFor("the node serves the plugin", async () => {
      const res = await p.call<{ version: string }>("POST", `${API}/plugins/${pluginId}/actions/execute`, {
        params: {},
      });
      return res.status === 200 ? true : undefined;
    });
  });
});
