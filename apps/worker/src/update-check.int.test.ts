import { randomBytes, randomUUID } from "node:crypto";
import type { JobPayloads } from "@arcade/contracts";
import {
  checkForUpdates,
  type Logger,
  type PluginRecord,
  slugify,
  submitJob,
  systemClock,
  UPDATE_CHECKER,
  type UpdateCheckReport,
} from "@arcade/core";
import type { MarketClient } from "@arcade/market";
import { createQueueConnection, UpdateCheckScheduler, updateCheckLastRunKey } from "@arcade/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteFs } from "./testing/backends.js";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import {
  closedPort,
  marketClient,
  marketDir,
  marketInstall,
  publish,
  removeDir,
  sha256,
  trusting,
} from "./testing/market-fixture.js";
import { MarketProcess } from "./testing/market-process.js";
import { Pipeline, skipReason } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

// The update checker against the real reference market: a newer version published into the
// market's folder (and SIGHUP), found and recorded; with auto-update, the update job submitted
// through the real queue and carried out by the worker. Then the BullMQ job scheduler that runs
// the checker: on its schedule, and never twice at once across "workers".

let dir: string;
let market: MarketProcess;

beforeAll(async () => {
  dir = await marketDir();
  market = await MarketProcess.start(dir);
});

afterAll(async () => {
  await market?.stop();
  await removeDir(dir);
});

/** Submits the checker's update jobs exactly as apps/worker/src/main.ts does. */
function enqueueWith(p: Pipeline, jobIds: string[]) {
  return async (plugin: PluginRecord, payload: JobPayloads["update"]) => {
    const { operation } = await submitJob(
      { jobs: p.database.jobs, queue: p.producer, clock: systemClock },
      {
        jobId: randomUUID(),
        type: "update",
        pluginId: plugin.pluginId,
        payload,
        requestedBy: UPDATE_CHECKER,
        idempotencyKey: `${UPDATE_CHECKER}:${plugin.pluginId}:${payload.artifact.source === "market" ? payload.artifact.version : ""}`,
      },
    );
    jobIds.push(operation.jobId);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Installs `name` 1.0.0 from the market (publishing it first). */
async function installFromMarket(p: Pipeline, name: string): Promise<string> {
  await publish(dir, name, "1.0.0");
  await market.rescan();
  const op = await marketInstall(p, slugify(name));
  expect(op.error).toBeNull();
  return op.pluginId!;
}

describeOnBackends("update checks", {}, (pipeline) => {
  let client: MarketClient;
  beforeAll(() => {
    const p = pipeline();
    client = marketClient(market.url);
    p.services.market = client;
    p.services.signatures = trusting([market.key]);
  });

  it("records the latest compatible version of market plugins only; nothing is submitted without auto-update", async () => {
    const p = pipeline();
    const name = uniqueName("upd-found");
    const pluginId = await installFromMarket(p, name);
    const local = await p.install(await pluginZip(manifestOf(uniqueName("upd-local"), "1.0.0")));
    expect(local.error).toBeNull();

    const quiet = await checkForUpdates({
      plugins: p.database.plugins,
      market: client,
      autoUpdate: false,
      enqueueUpdate: () => Promise.reject(new Error("must not submit")),
    });
    expect(quiet.available.filter((a) => a.pluginId === pluginId)).toEqual([]);
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ latestVersion: "1.0.0" });

    await publish(dir, name, "1.1.0");
    // Needs a newer platform than 1.0.0: never offered.
    await publish(dir, name, "1.2.0", { minVersion: "9.0.0" });
    await market.rescan();

    const jobIds: string[] = [];
    const report = await checkForUpdates({
      plugins: p.database.plugins,
      market: client,
      autoUpdate: false,
      enqueueUpdate: enqueueWith(p, jobIds),
    });
    expect(report.available).toContainEqual({ pluginId, version: "1.0.0", latestVersion: "1.1.0" });
    expect(report.available.map((a) => a.pluginId)).not.toContain(local.pluginId);
    expect(report.enqueued).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(jobIds).toEqual([]);
    // Recorded on the plugin (the API's updateAvailable derives from it); the plugin itself is unchanged.
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({
      version: "1.0.0",
      latestVersion: "1.1.0",
      source: "market",
    });
    expect(await p.database.plugins.findById(local.pluginId!)).toMatchObject({ latestVersion: null });
  });

  it("a market that is down: the run reports it and keeps what it knew", async () => {
    const p = pipeline();
    const before = (await p.database.plugins.listAll()).filter((r) => r.source === "market");
    expect(before.length).toBeGreaterThan(0);
    const report = await checkForUpdates({
      plugins: p.database.plugins,
      market: marketClient(`http://127.0.0.1:${await closedPort()}/`),
      autoUpdate: true,
      enqueueUpdate: () => Promise.reject(new Error("must not submit")),
    });
    expect(report.checked).toBe(before.length);
    expect(report.failed.map((f) => f.code)).toEqual(before.map(() => "MARKET_UNAVAILABLE"));
    for (const plugin of before) {
      expect(await p.database.plugins.findById(plugin.pluginId)).toMatchObject({
        latestVersion: plugin.latestVersion,
      });
    }
  });

  it("with auto-update (global or the plugin's own): submits the update, and the worker installs it", async () => {
    const p = pipeline();
    const global = uniqueName("upd-auto");
    const own = uniqueName("upd-own");
    const globalId = await installFromMarket(p, global);
    const ownId = await installFromMarket(p, own);
    const v110 = (await publish(dir, global, "1.1.0")).zip;
    await publish(dir, own, "1.1.0");
    await market.rescan();

    // Off globally: only the plugin that asks for it is updated.
    await p.database.plugins.transaction((tx) => tx.updatePlugin(ownId, { autoUpdate: true }));
    let jobIds: string[] = [];
    let report = await checkForUpdates({
      plugins: p.database.plugins,
      market: client,
      autoUpdate: false,
      enqueueUpdate: enqueueWith(p, jobIds),
    });
    expect(report.enqueued).toEqual([{ pluginId: ownId, version: "1.1.0" }]);
    const ownOp = await p.finished(jobIds[0]!);
    expect(ownOp).toMatchObject({ state: "succeeded", type: "update", requestedBy: UPDATE_CHECKER });
    expect(await p.database.plugins.findById(ownId)).toMatchObject({ version: "1.1.0" });

    // On globally: the other one too.
    jobIds = [];
    report = await checkForUpdates({
      plugins: p.database.plugins,
      market: client,
      autoUpdate: true,
      enqueueUpdate: enqueueWith(p, jobIds),
    });
    expect(report.enqueued).toContainEqual({ pluginId: globalId, version: "1.1.0" });
    expect(report.enqueued.map((e) => e.pluginId)).not.toContain(ownId);
    const op = await p.finished(jobIds[report.enqueued.findIndex((e) => e.pluginId === globalId)]!);
    expect(op.error).toBeNull();
    expect(op.result).toMatchObject({ version: "1.1.0", checksum: sha256(v110), signedBy: market.key.keyId });
    expect(op.payload).toMatchObject({
      artifact: { source: "market", marketId: slugify(global), version: "1.1.0" },
    });
    expect(await p.database.plugins.findById(globalId)).toMatchObject({
      version: "1.1.0",
      latestVersion: "1.1.0",
      source: "market",
    });

    // Up to date now: a further run finds nothing for these two.
    const after = await checkForUpdates({
      plugins: p.database.plugins,
      market: client,
      autoUpdate: true,
      enqueueUpdate: enqueueWith(p, []),
    });
    expect(after.available.map((a) => a.pluginId)).not.toContain(globalId);
    expect(after.available.map((a) => a.pluginId)).not.toContain(ownId);
  });
});

const redisUrl = process.env.ARCADE_TEST_REDIS_URL;

describe.skipIf(skipReason(sqliteFs) !== undefined)("update check scheduler", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await Pipeline.start(sqliteFs);
    p.services.market = marketClient(market.url);
    p.services.signatures = trusting([market.key]);
  });
  afterAll(async () => {
    await p?.close();
  });

  function scheduler(
    prefix: string,
    everyMs: number,
    run: () => Promise<unknown>,
    logger: Logger = p.services.logger,
  ) {
    const connection = createQueueConnection(redisUrl!);
    connection.on("error", () => {});
    const s = new UpdateCheckScheduler({ connection, prefix, everyMs, logger, run });
    return {
      scheduler: s,
      connection,
      /** Stops this "worker" and keeps the schedule in Redis, as a restart does. */
      async stop() {
        await s.close();
        connection.disconnect();
      },
      async close() {
        await s.unschedule().catch(() => {});
        await s.close();
        connection.disconnect();
      },
    };
  }

  /** A logger that keeps the messages and fields it was given. */
  function recordingLogger(): Logger & { lines: { msg: string; fields: Record<string, unknown> }[] } {
    const lines: { msg: string; fields: Record<string, unknown> }[] = [];
    const log = (obj: object | string, msg?: string) => {
      if (typeof obj === "string") lines.push({ msg: obj, fields: {} });
      else lines.push({ msg: msg ?? "", fields: obj as Record<string, unknown> });
    };
    const logger = { debug: log, info: log, warn: log, error: log, child: () => logger, lines };
    return logger;
  }

  it("after a restart, runs a check at once when the last one is older than the interval, and logs the next run", async () => {
    const prefix = `upd-${randomBytes(4).toString("hex")}`;
    const HOUR = 3600_000;
    let runs = 0;
    const run = async () => {
      runs += 1;
      return {};
    };
    // First start: a new schedule runs its first check at once; then the next is an hour away.
    const first = scheduler(prefix, HOUR, run);
    await first.scheduler.start();
    await expect.poll(() => runs, { timeout: 20_000, interval: 50 }).toBe(1);
    await expect.poll(() => first.scheduler.lastRun(), { timeout: 5000 }).not.toBeNull();
    await first.stop();

    // Restart soon after: the last run is recent, so nothing runs now; the log says when.
    const soonLog = recordingLogger();
    const soon = scheduler(prefix, HOUR, run, soonLog);
    await soon.scheduler.start();
    const next = soonLog.lines.find((l) => l.msg.startsWith("next update check at"));
    expect(next?.fields.nextRunAt).toEqual(expect.any(String));
    expect(Date.parse(String(next?.fields.nextRunAt))).toBeGreaterThan(Date.now() + HOUR / 2);
    expect(soonLog.lines.some((l) => l.msg.includes("overdue"))).toBe(false);
    await sleep(1500);
    expect(runs).toBe(1);
    await soon.stop();

    // Restart when the last run is older than the interval (as after a worker was down for
    // longer): one check runs at start instead of up to an hour later.
    const late = scheduler(prefix, HOUR, run, recordingLogger());
    await late.connection.set(updateCheckLastRunKey(prefix), String(Date.now() - 2 * HOUR));
    const lateLog = recordingLogger();
    const restarted = scheduler(prefix, HOUR, run, lateLog);
    try {
      await restarted.scheduler.start();
      await expect.poll(() => runs, { timeout: 20_000, interval: 50 }).toBe(2);
      expect(lateLog.lines.some((l) => l.msg === "update check overdue: running one now")).toBe(true);
      // Its own schedule is kept: the following run is still about an hour away.
      await expect
        .poll(
          () =>
            lateLog.lines.some(
              (l) => l.msg.startsWith("next update check at") && l.msg.endsWith("(after a run)"),
            ),
          {
            timeout: 5000,
          },
        )
        .toBe(true);
      expect(await restarted.scheduler.nextRunAt()).toBeGreaterThan(Date.now() + HOUR / 2);
    } finally {
      await late.stop();
      await restarted.close();
    }
  });

  it("runs the checker on its schedule, and with auto-update brings a plugin to the new version", async () => {
    const name = uniqueName("upd-sched");
    const pluginId = await installFromMarket(p, name);
    await publish(dir, name, "1.1.0");
    await market.rescan();
    const reports: UpdateCheckReport[] = [];
    const jobIds: string[] = [];
    const s = scheduler(`upd-${randomBytes(4).toString("hex")}`, 200, async () => {
      const report = await checkForUpdates({
        plugins: p.database.plugins,
        market: p.services.market as MarketClient,
        autoUpdate: true,
        enqueueUpdate: enqueueWith(p, jobIds),
      });
      reports.push(report);
      return report;
    });
    try {
      await s.scheduler.start();
      await expect.poll(() => reports.length, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(3);
      await expect
        .poll(async () => (await p.database.plugins.findById(pluginId))?.version, { timeout: 20_000 })
        .toBe("1.1.0");
    } finally {
      await s.close();
    }
    // One update job, however many runs saw the new version while it was under way.
    expect(new Set(jobIds).size).toBe(1);
    expect(await p.database.jobs.get(jobIds[0]!)).toMatchObject({
      state: "succeeded",
      requestedBy: UPDATE_CHECKER,
    });
  });

  it("two schedulers (two workers) on one queue never run the check at the same time", async () => {
    const prefix = `upd-${randomBytes(4).toString("hex")}`;
    let active = 0;
    let most = 0;
    const runs: string[] = [];
    const run = (who: string) => async () => {
      active += 1;
      most = Math.max(most, active);
      runs.push(who);
      try {
        await checkForUpdates({
          plugins: p.database.plugins,
          market: p.services.market as MarketClient,
          autoUpdate: false,
          enqueueUpdate: () => Promise.resolve(),
        });
        // Longer than the interval: a second run is due while this one is still going.
        await sleep(250);
      } finally {
        active -= 1;
      }
    };
    const first = scheduler(prefix, 100, run("first"));
    const second = scheduler(prefix, 100, run("second"));
    try {
      await Promise.all([first.scheduler.start(), second.scheduler.start()]);
      await expect.poll(() => runs.length, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(6);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(most).toBe(1);
  });
});
