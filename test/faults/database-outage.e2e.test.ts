import { randomBytes } from "node:crypto";
import type { JobResource, Paged, PluginResource } from "@arcade/contracts";
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
import {
  API,
  delay,
  openSql,
  pluginObjects,
  queueState,
  rowsForName,
  waitFor,
  waitJobs,
} from "./support/probes.js";

// MariaDB stopped (its own shutdown, then started again on the same port with its data) while
// installs run. Retry budget of a job: 6 attempts, backoff 650 ms doubling: the last attempt
// starts about 20 s after the first failure. A 10 s outage fits inside it; a 30 s one does not.
//
// To be sure a job is mid-transaction when the server goes, the test holds the cluster
// revision row: the job blocks in persist after its artifact was stored and its rows inserted.

const ATTEMPTS = 6;
const BACKOFF_MS = 650;
/** Sum of the backoff delays: 650 * (1 + 2 + 4 + 8 + 16). */
const BUDGET_MS = BACKOFF_MS * (2 ** (ATTEMPTS - 1) - 1);
const SHORT_OUTAGE_MS = 10_000;

const suite = useFaultPlatform({
  label: "db-outage",
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

describe("faults: MariaDB stopped during installs", () => {
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

  /** While the database is gone: every request that needs it is a quick 503 DATABASE_UNAVAILABLE. */
  async function expectDatabaseUnavailable(jobId: string, zipName: string): Promise<void> {
    const p = suite.platform();
    const zip = await bigPlugin(zipName, 1);
    const install = await bounded("POST /plugins/install", (signal) => installWithSignal(p, zip, signal));
    expectProblem(install, 503, "DATABASE_UNAVAILABLE");
    expect(install.headers.get("retry-after")).toBe("5");
    expectProblem(
      await bounded("GET /jobs/:id", (signal) => getJob(p, jobId, signal)),
      503,
      "DATABASE_UNAVAILABLE",
    );
    const list = await bounded("GET /plugins", async (signal) => {
      const res = await p.request(`${API}/plugins`, { signal });
      return { status: res.status, headers: res.headers, body: await res.json(), text: "" };
    });
    expectProblem(list, 503, "DATABASE_UNAVAILABLE");
    const ready = await bounded("GET /readyz", (signal) => fetch(`${p.apis[0]!.url}/readyz`, { signal }));
    expect(ready.status).toBe(503);
  }

  it("a 10 s outage: requests meanwhile are 503 DATABASE_UNAVAILABLE, the jobs retry and succeed once it is back", async () => {
    const p = suite.platform();
    const s = suite.services();
    const watcher = await sql();
    const names = [1, 2, 3].map((i) => `db-short-${i}-${suffix}`);

    const locker = await sql();
    await locker.query("START TRANSACTION");
    await locker.query("SELECT revision FROM t_cluster_revision WHERE id = 1 FOR UPDATE");
    const jobIds: string[] = [];
    for (const name of names) jobIds.push(await accept(p, await bigPlugin(name)));
    await waitFor("a job blocks inside its persist transaction", async () => {
      const [rows] = await watcher.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE t_cluster_revision%'",
      );
      return Number(rows[0]?.n) > 0 ? true : undefined;
    });

    const down = Date.now();
    await s.stop("mariadb");
    await expectDatabaseUnavailable(jobIds[0]!, `db-refused-${suffix}`);
    await delay(Math.max(0, SHORT_OUTAGE_MS - (Date.now() - down)));
    await s.start("mariadb");

    const jobs = await waitJobs(p, jobIds, 90_000);
    for (const job of jobs) {
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      installed.push({ pluginId: job.pluginId!, version: "1.0.0" });
    }
    // At least the job that was inside its transaction needed another attempt.
    expect(Math.max(...jobs.map((j) => j.attempts))).toBeGreaterThan(1);
    for (const [i, name] of names.entries()) {
      const pluginId = jobs[i]!.pluginId!;
      expect(await rowsForName(await sql(), name)).toEqual({
        plugins: [`${pluginId}@1.0.0`],
        versions: [`${pluginId}@1.0.0`],
        configs: 1,
      });
    }
    expect(await rowsForName(await sql(), `db-refused-${suffix}`)).toEqual({
      plugins: [],
      versions: [],
      configs: 0,
    });
    await expectStoreHolds(p, installed);
    const listed = await p.call<Paged<PluginResource>>("GET", `${API}/plugins?pageSize=100`);
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(installed.length);
  });

  it("an outage longer than the retry budget: the jobs fail with DATABASE_UNAVAILABLE and leave nothing behind", async () => {
    const p = suite.platform();
    const s = suite.services();
    const watcher = await sql();
    const names = [1, 2].map((i) => `db-long-${i}-${suffix}`);

    const locker = await sql();
    await locker.query("START TRANSACTION");
    await locker.query("SELECT revision FROM t_cluster_revision WHERE id = 1 FOR UPDATE");
    const jobIds: string[] = [];
    for (const name of names) jobIds.push(await accept(p, await bigPlugin(name)));
    await waitFor("a job blocks inside its persist transaction", async () => {
      const [rows] = await watcher.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE t_cluster_revision%'",
      );
      return Number(rows[0]?.n) > 0 ? true : undefined;
    });
    // The blocked job stored its artifact already: that object must not outlive the failure.
    const [blocked] = await watcher.query<mysql.RowDataPacket[]>(
      "SELECT plugin_id FROM t_plugin_operation WHERE step = 'persist' AND state = 'running'",
    );
    const storedFor = String(blocked[0]?.plugin_id ?? "");
    expect(storedFor).not.toBe("");
    expect(await pluginObjects(p, storedFor)).toHaveLength(1);

    await s.stop("mariadb");
    await expectDatabaseUnavailable(jobIds[0]!, `db-refused-long-${suffix}`);
    // Down until the queue has given up on every job (bounded well past the budget).
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
    await s.start("mariadb");

    const jobs: JobResource[] = await waitJobs(p, jobIds, 60_000);
    for (const job of jobs) {
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("DATABASE_UNAVAILABLE");
    }
    for (const name of names) {
      expect(await rowsForName(await sql(), name)).toEqual({ plugins: [], versions: [], configs: 0 });
    }
    // Nothing of the failed installs is left: no artifact, no staged upload.
    await waitFor("the failed installs' objects are gone", async () =>
      (await pluginObjects(p, storedFor)).length === 0 ? true : undefined,
    );
    await expectStoreHolds(p, installed);
  });
});
