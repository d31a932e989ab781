import { randomBytes } from "node:crypto";
import type { Problem } from "@arcade/contracts";
import type mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { buildPluginZip, type Platform } from "../harness/index.js";
import { useFaultPlatform } from "./support/fault-platform.js";
import { bounded, expectStoreHolds, installWithSignal } from "./support/outage.js";
import { API, currentRevision, delay, openSql, rowsForName, waitFor, waitJobs } from "./support/probes.js";

// Redis (append-only file on, as infra/services/redis.sh runs it) stopped with its own
// shutdown and started again on the same port while a stream of installs goes on against two
// API nodes. While it is gone, a mutation is a quick 503 QUEUE_UNAVAILABLE (the enqueue gives
// up after 3 s), never a 500 or a hang. Every job that was accepted (202) finishes after the
// restart; nothing a 503 turned away is installed; both nodes come back into the registry and
// reach the latest revision without anyone making another change.

const OUTAGE_MS = 9000;
/** A request that takes longer than this is a hang. */
const REQUEST_BOUND_MS = 10_000;

const suite = useFaultPlatform({
  label: "redis-restart",
  platform: { apis: 2, workers: 1, database: "mysql", storage: "s3" },
});

interface Sent {
  name: string;
  startedAt: number;
  endedAt: number;
  status: number;
  code: string | null;
  jobId: string | null;
}

/** Installs one small plugin after another (alternating between the APIs) until `stop()`. */
function streamInstalls(p: Platform, prefix: string): { stop(): Promise<Sent[]> } {
  const sent: Sent[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const name = `${prefix}-${i}`;
      const zip = await buildPluginZip({ name });
      const startedAt = Date.now();
      const res = await bounded(
        `install ${name}`,
        (signal) => installWithSignal(p, zip, signal, i % 2),
        REQUEST_BOUND_MS,
      );
      const body = res.body as unknown as Problem & { jobId?: string };
      sent.push({
        name,
        startedAt,
        endedAt: Date.now(),
        status: res.status,
        code: res.status >= 400 ? (body?.code ?? null) : null,
        jobId: res.status === 202 ? (body?.jobId ?? null) : null,
      });
      await delay(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sent;
    },
  };
}

describe("faults: Redis restarted during a stream of installs", () => {
  it("answers 503 QUEUE_UNAVAILABLE while it is gone, loses no accepted job, and the nodes converge", async () => {
    const p = suite.platform();
    const s = suite.services();
    const sql = await openSql(s, p);
    try {
      const keeper = await p.installZip(
        await buildPluginZip({ name: `redis-keeper-${randomBytes(3).toString("hex")}` }),
      );
      const kept = await p.waitJob(keeper.body.jobId);
      expect(kept.state).toBe("succeeded");
      const keptId = kept.pluginId!;

      const stream = streamInstalls(p, `redis-${randomBytes(3).toString("hex")}`);
      // A backlog when Redis goes: the worker sits out a moment, then starts on the queued jobs
      // just as Redis stops, so accepted jobs are waiting and running across the restart.
      await delay(1000);
      const worker = p.workers[0]!;
      worker.signal("SIGSTOP");
      await delay(2000);
      worker.signal("SIGCONT");
      const downFrom = Date.now();
      await s.stop("redis");
      const stoppedAt = Date.now();
      const [pendingRows] = await sql.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM t_plugin_operation WHERE state IN ('queued', 'running')",
      );
      const pendingAtStop = Number(pendingRows[0]?.n);
      // Asked while it is gone, the node registry answers a quick 503 too.
      const nodesDown = await bounded("GET /cluster/nodes", (signal) =>
        p.request(`${API}/cluster/nodes`, { signal }),
      );
      expect(nodesDown.status).toBe(503);
      expect(((await nodesDown.json()) as Problem).code).toBe("QUEUE_UNAVAILABLE");
      // A state change is turned away the same way, and leaves the plugin unlocked.
      const disable = await bounded("POST /plugins/:id/disable", (signal) =>
        p.request(`${API}/plugins/${keptId}/disable`, { method: "POST", signal }),
      );
      expect(disable.status).toBe(503);
      expect(((await disable.json()) as Problem).code).toBe("QUEUE_UNAVAILABLE");
      // Reads that need only the database keep working.
      const detail = await bounded("GET /plugins/:id", (signal) =>
        p.request(`${API}/plugins/${keptId}`, { signal }),
      );
      expect(detail.status).toBe(200);
      await delay(Math.max(0, OUTAGE_MS - (Date.now() - downFrom)));
      const restartAt = Date.now();
      await s.start("redis");
      const downUntil = Date.now();
      await delay(3000);
      const sent = await stream.stop();

      // Only 202 or 503 QUEUE_UNAVAILABLE, ever.
      for (const r of sent) {
        if (r.status === 202) continue;
        expect({ name: r.name, status: r.status, code: r.code }).toEqual({
          name: r.name,
          status: 503,
          code: "QUEUE_UNAVAILABLE",
        });
      }
      const before = sent.filter((r) => r.endedAt < downFrom);
      // Sent and answered while it was gone. (One sent just before the restart may get its 202:
      // the enqueue waits up to 3 s for Redis to come back.)
      const during = sent.filter((r) => r.startedAt > stoppedAt && r.endedAt < restartAt);
      const after = sent.filter((r) => r.startedAt > downUntil);
      expect(before.length, "installs accepted before the restart").toBeGreaterThan(0);
      expect(pendingAtStop, "accepted jobs unfinished when Redis stopped").toBeGreaterThan(0);
      expect(during.length, "installs sent while Redis was gone").toBeGreaterThan(0);
      expect(after.length, "installs sent after the restart").toBeGreaterThan(0);
      for (const r of before) expect(r.status).toBe(202);
      for (const r of during) expect(r.status).toBe(503);
      for (const r of after) expect(r.status).toBe(202);

      // No accepted job is lost: every 202 ends succeeded, exactly once.
      const accepted = sent.filter((r) => r.status === 202);
      const jobs = await waitJobs(
        p,
        accepted.map((r) => r.jobId!),
        90_000,
      );
      for (const job of jobs) expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      for (const [i, r] of accepted.entries()) {
        expect(await rowsForName(sql, r.name)).toEqual({
          plugins: [`${jobs[i]!.pluginId}@1.0.0`],
          versions: [`${jobs[i]!.pluginId}@1.0.0`],
          configs: 1,
        });
      }
      // Nothing a 503 turned away was installed (an enqueue Redis took after the API gave up is dropped).
      for (const r of sent.filter((x) => x.status === 503)) {
        expect(await rowsForName(sql, r.name)).toEqual({ plugins: [], versions: [], configs: 0 });
      }
      await expectStoreHolds(p, [
        { pluginId: keptId, version: "1.0.0" },
        ...jobs.map((j) => ({ pluginId: j.pluginId!, version: "1.0.0" })),
      ]);

      // The plugin the refused disable was about is not stuck behind it.
      const disabled = await p.call<{ jobId: string }>("POST", `${API}/plugins/${keptId}/disable`, {});
      expect(disabled.status, disabled.text).toBe(202);
      expect((await p.waitJob(disabled.body.jobId)).state).toBe("succeeded");

      // Both nodes are back in the registry at the latest revision, and run every plugin.
      const revision = await currentRevision(sql);
      // The disabled keeper is not loaded anywhere.
      const installed = jobs.map((j) => j.pluginId!).sort();
      for (const api of p.apis) {
        await waitFor(
          `${api.nodeId} is listed at revision ${revision} with every plugin loaded`,
          async () => {
            const res = await p.call<
              { nodeId: string; appliedRevision: number; plugins: { pluginId: string; state: string }[] }[]
            >("GET", `${API}/cluster/nodes`, undefined, { apiIndex: api.index });
            if (res.status !== 200) return undefined;
            const ids = res.body.map((n) => n.nodeId).sort();
            if (JSON.stringify(ids) !== JSON.stringify(p.apis.map((a) => a.nodeId).sort())) return undefined;
            const me = res.body.find((n) => n.nodeId === api.nodeId);
            if (me?.appliedRevision !== revision) return undefined;
            const loaded = me.plugins
              .filter((x) => x.state === "loaded")
              .map((x) => x.pluginId)
              .sort();
            return JSON.stringify(loaded) === JSON.stringify(installed) ? true : undefined;
          },
        );
      }
    } finally {
      await sql.end();
    }
  });
});
