import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { JobResource, Paged, PluginResource, StepName } from "@arcade/contracts";
import type mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPluginZip, type Platform, type WorkerHandle } from "../harness/index.js";
import { useFaultPlatform } from "./support/fault-platform.js";
import type { FaultServices } from "./support/fault-services.js";
import {
  API,
  artifactKey,
  type JobRow,
  jobRow,
  openSql,
  pluginObjects,
  rowsForName,
  stepInProgress,
  waitFor,
  waitForStep,
  workerLines,
} from "./support/probes.js";

// SIGKILL a worker in the middle of each step of an install. Another worker must pick the job
// up (the BullMQ lock of the dead one expires after worker.lock_duration, ARCADE_WORKER_LOCK_DURATION) and finish it
// exactly once: one plugin row, one version row, one config row, only the current version's
// object under plugins/<id>/, no staged upload left, one "operation succeeded".
//
// Where a step waits on something, the test holds that something so the kill lands inside the
// step for sure: s3rver paused (SIGSTOP) for fetch, store, activate (the nodes cannot download
// the artifact, so convergence waits) and cleanup (deleting the staged upload hangs); a table
// lock on t_plugin for inspect (its compatibility check reads every plugin); a row lock on the
// cluster revision for persist (the worker blocks inside its transaction, after its inserts).
// verify is pure hashing of a local file: it is hit by polling the step every 2 ms on a large
// artifact, and the test records which step the kill really landed in when it misses.

const MiB = 1024 * 1024;
/** Random (incompressible, stored) padding: every transfer and hash takes a moment. */
const PADDING = 16 * MiB;

const suite = useFaultPlatform({
  label: "worker-kill",
  platform: {
    apis: 1,
    workers: 2,
    database: "mysql",
    storage: "s3",
    env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "100MiB" },
    workerEnv: { ARCADE_WORKER_LOCK_DURATION: "2s" },
  },
});

const suffix = randomBytes(3).toString("hex");
/** Which step each kill landed in (printed at the end; verify is the only one left to chance). */
const landed: Record<string, string> = {};

interface Stall {
  /** Before the upload (e.g. take a lock). */
  before?(): Promise<void>;
  /** Right after the 202 (e.g. pause a server). */
  accepted?(jobId: string): Promise<void>;
  /** Waits until the job is inside the step and will stay there; returns the row seen. */
  reach(jobId: string): Promise<JobRow>;
  /** After the kill: let go of whatever was held. */
  release(): Promise<void>;
}

describe("faults: a worker SIGKILLed during each step of an install", () => {
  let sql: mysql.Connection;
  /** A second connection that holds locks (LOCK TABLES limits what its own session may read). */
  let locker: mysql.Connection;
  /** A third one, for the job's row while the second still holds the revision. */
  let rowLocker: mysql.Connection;

  beforeAll(async () => {
    sql = await openSql(suite.services(), suite.platform());
    locker = await openSql(suite.services(), suite.platform());
    rowLocker = await openSql(suite.services(), suite.platform());
  });

  afterAll(async () => {
    process.stdout.write(`[faults] worker-kill: the kills landed in ${JSON.stringify(landed)}\n`);
    await locker?.query("UNLOCK TABLES").catch(() => {});
    await locker?.query("ROLLBACK").catch(() => {});
    await locker?.end().catch(() => {});
    await rowLocker?.query("ROLLBACK").catch(() => {});
    await rowLocker?.end().catch(() => {});
    await sql?.end().catch(() => {});
  });

  const s3rverPaused =
    (services: FaultServices): Stall["release"] =>
    async () =>
      services.resume("s3rver");

  /** Holds the cluster revision row, so a persist transaction blocks at its last statement. */
  async function lockRevision(): Promise<void> {
    await locker.query("START TRANSACTION");
    await locker.query("SELECT revision FROM t_cluster_revision WHERE id = 1 FOR UPDATE");
  }

  /** True once a session is waiting for the revision row lock (the worker, inside persist). */
  async function persistBlocked(): Promise<true | undefined> {
    const [rows] = await sql.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE t_cluster_revision%'",
    );
    return Number(rows[0]?.n) > 0 ? true : undefined;
  }

  /** Holds t_plugin, so the inspect step blocks when it reads the installed plugins. */
  async function lockPluginTable(): Promise<void> {
    await locker.query("LOCK TABLES t_plugin WRITE");
  }

  async function waitBlockedInPersist(jobId: string): Promise<JobRow> {
    await waitForStep(sql, jobId, ["persist"]);
    await waitFor("the worker waits for the revision row lock", persistBlocked, { intervalMs: 5 });
    return (await jobRow(sql, jobId))!;
  }

  const stalls: Record<StepName, () => Stall> = {
    fetch: () => {
      const s = suite.services();
      const p = suite.platform();
      return {
        // Both workers frozen while the job is queued, so the download starts with s3rver paused.
        before: async () => {
          for (const w of p.workers) w.signal("SIGSTOP");
        },
        accepted: async () => {
          s.pause("s3rver");
          p.workers[0]!.signal("SIGCONT");
        },
        reach: (jobId) => waitForStep(sql, jobId, ["fetch"]),
        release: s3rverPaused(s),
      };
    },
    verify: () => ({
      reach: (jobId) =>
        waitForStep(sql, jobId, ["verify", "inspect", "store", "persist", "activate", "cleanup"]),
      release: async () => {},
    }),
    inspect: () => ({
      before: lockPluginTable,
      reach: (jobId) => waitForStep(sql, jobId, ["inspect"]),
      release: async () => {
        await locker.query("UNLOCK TABLES");
      },
    }),
    store: () => {
      const s = suite.services();
      return {
        before: lockPluginTable,
        reach: async (jobId) => {
          await waitForStep(sql, jobId, ["inspect"]);
          s.pause("s3rver");
          await locker.query("UNLOCK TABLES");
          return waitForStep(sql, jobId, ["store"]);
        },
        release: s3rverPaused(s),
      };
    },
    persist: () => ({
      before: lockRevision,
      reach: waitBlockedInPersist,
      release: async () => {
        await locker.query("ROLLBACK");
      },
    }),
    activate: () => {
      const s = suite.services();
      return {
        before: lockRevision,
        reach: async (jobId) => {
          await waitBlockedInPersist(jobId);
          s.pause("s3rver");
          await locker.query("ROLLBACK");
          return waitForStep(sql, jobId, ["activate"]);
        },
        release: s3rverPaused(s),
      };
    },
    cleanup: () => {
      const s = suite.services();
      const p = suite.platform();
      return {
        before: lockRevision,
        reach: async (jobId) => {
          // activate waits until the node runs the plugin (a change no node applied is undone),
          // so the store must be up while the node loads it and down once cleanup starts. The
          // job's row is held in between: the worker cannot leave activate until it is let go.
          await waitBlockedInPersist(jobId);
          s.pause("s3rver");
          await locker.query("ROLLBACK");
          await waitForStep(sql, jobId, ["activate"]);
          await rowLocker.query("START TRANSACTION");
          await rowLocker.query("SELECT job_id FROM t_plugin_operation WHERE job_id = ? FOR UPDATE", [jobId]);
          s.resume("s3rver");
          const pluginId = (await jobRow(sql, jobId))?.pluginId ?? "";
          await waitFor("the node runs the plugin", async () => {
            const res = await p.call("POST", `${API}/plugins/${pluginId}/actions/execute`, { params: {} });
            return res.status === 200 ? true : undefined;
          });
          s.pause("s3rver");
          await rowLocker.query("ROLLBACK");
          return waitForStep(sql, jobId, ["cleanup"]);
        },
        release: s3rverPaused(s),
      };
    },
  };

  async function killDuring(step: StepName): Promise<void> {
    const p = suite.platform();
    const victim = p.workers[0] as WorkerHandle;
    const standby = p.workers[1] as WorkerHandle;
    const name = `kill-${step}-${suffix}`;
    const zip = await buildPluginZip({ name, paddingBytes: PADDING });
    const stall = stalls[step]();

    // Only the victim can take the job: the standby is frozen until the victim is dead.
    standby.signal("SIGSTOP");
    let standbyFrozen = true;
    let released = false;
    try {
      await stall.before?.();
      const accepted = await p.installZip(zip);
      expect(accepted.status, accepted.text).toBe(202);
      const jobId = accepted.body.jobId;
      await stall.accepted?.(jobId);
      await stall.reach(jobId);

      const exit = await victim.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      const atKill = await jobRow(sql, jobId);
      landed[step] = stepInProgress(atKill);
      await stall.release();
      released = true;
      standby.signal("SIGCONT");
      standbyFrozen = false;

      if (step === "verify") {
        // Left to chance: say where it landed instead of failing on a miss.
        if (landed[step] !== "verify") {
          process.stdout.write(
            `[faults] the verify kill landed in ${landed[step]} (hashing was too quick)\n`,
          );
        }
        expect(atKill?.state).toBe("running");
      } else {
        expect(stepInProgress(atKill)).toBe(step);
      }

      const job = await p.waitJob(jobId, { timeoutMs: 60_000 });
      await expectCompletedOnce(p, job, name, jobId, standby);
      await expectNoScratch(victim, jobId);
    } finally {
      if (!released) await stall.release().catch(() => {});
      if (standbyFrozen) standby.signal("SIGCONT");
      for (const w of p.workers) if (w.running) w.signal("SIGCONT");
      if (!victim.running) await victim.start();
    }
  }

  async function expectCompletedOnce(
    p: Platform,
    job: JobResource,
    name: string,
    jobId: string,
    finisher: WorkerHandle,
  ): Promise<void> {
    expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.result).toMatchObject({ version: "1.0.0" });
    const pluginId = job.pluginId ?? "";
    expect(pluginId).toMatch(new RegExp(`^plugin_${name}_[a-z0-9]{6}$`));

    // Exactly once in the database...
    expect(await rowsForName(sql, name)).toEqual({
      plugins: [`${pluginId}@1.0.0`],
      versions: [`${pluginId}@1.0.0`],
      configs: 1,
    });
    // ...and through the API.
    const listed = await p.call<Paged<PluginResource>>("GET", `${API}/plugins?q=${name}`);
    expect(listed.body.items.map((x) => x.pluginId)).toEqual([pluginId]);
    const versions = await p.call<Paged<unknown>>("GET", `${API}/plugins/${pluginId}/versions`);
    expect(versions.body.total).toBe(1);

    // Only the current version's object, no staged upload (no other job is in flight).
    expect(await pluginObjects(p, pluginId)).toEqual([artifactKey(pluginId, "1.0.0")]);
    expect(await p.listObjects("staging/")).toEqual([]);

    // Finished by the other worker, and only once.
    expect(await workerLines(p, jobId, "operation succeeded")).toBe(1);
    expect(await finisher.output()).toContain(`"jobId":"${jobId}"`);

    // The node runs it.
    await waitFor("the node serves the plugin", async () => {
      const res = await p.call<{ version: string }>("POST", `${API}/plugins/${pluginId}/actions/execute`, {
        params: {},
      });
      return res.status === 200 && res.body.version === "1.0.0" ? true : undefined;
    });
  }

  /** The killed worker's scratch copy of the upload is gone once it runs again. */
  async function expectNoScratch(victim: WorkerHandle, jobId: string): Promise<void> {
    if (!victim.running) await victim.start();
    const dataDir = victim.process.env.ARCADE_SERVER_DATA_DIR ?? "";
    const scratch = join(dataDir, "tmp", "worker", jobId);
    await waitFor(
      `${scratch} is removed`,
      async () =>
        (await stat(scratch).then(
          () => true,
          () => false,
        ))
          ? undefined
          : true,
      { timeoutMs: 10_000 },
    );
  }

  for (const step of ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"] as const) {
    const note = step === "verify" ? " (hit by polling; where the kill landed is recorded)" : "";
    it(`completes the install exactly once after a kill during ${step}${note}`, () => killDuring(step));
  }
});
