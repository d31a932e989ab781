import type { JobResource } from "@arcade/contracts";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  missingServices,
  serviceAddresses,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// Issue 13, on a running platform (1 API node + 1 worker, SQLite + fs): jobs run what their row
// recorded. A waiting job is rewritten in Redis (its BullMQ name and data), the way anyone who
// can write the queue's keys could: a configure turned into an uninstall, and a configure of one
// plugin aimed at another. Both fail JOB_TAMPERED, recorded on the job, and nothing changes.
// The rewrites use the suites' admin Redis user: the worst case, a client past every ACL.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";

describe.skipIf(missing.length > 0)(
  `jobs run from their record${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "job-tampering",
      apis: 1,
      workers: 1,
      database: "sqlite",
      storage: "fs",
    });
    const redis = new Redis(serviceAddresses().redisUrl ?? "", {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    afterAll(() => redis.disconnect());

    const install = async (folder: string): Promise<string> => {
      const p = platform();
      const accepted = await p.installZip(await buildExamplePlugin(folder));
      expect(accepted.status).toBe(202);
      const job = await p.waitJob(accepted.body.jobId);
      expect(job.state).toBe("succeeded");
      return job.pluginId!;
    };
    const configOf = async (pluginId: string) => {
      const res = await platform().call<Record<string, unknown>>("GET", `${API}/plugins/${pluginId}/config`);
      expect(res.status).toBe(200);
      return res.body;
    };
    const configure = async (pluginId: string, config: Record<string, unknown>): Promise<string> => {
      const res = await platform().call<JobResource>("PUT", `${API}/plugins/${pluginId}/config`, config);
      expect(res.status).toBe(202);
      return res.body.jobId;
    };

    it("a waiting job rewritten in Redis fails JOB_TAMPERED and changes nothing; untouched jobs run their record", async () => {
      const p = platform();
      const notify = await install("notify-stdout");
      const lab = await install("custom-lab");
      const notifyBefore = await configOf(notify);
      const labBefore = await configOf(lab);
      const queueKey = (jobId: string) => `${p.resources.redisPrefix}:plugin-ops:${jobId}`;

      // No worker takes the jobs while they are rewritten.
      await p.workers[0]!.stop();
      const toUninstall = await configure(notify, { prefix: "[recorded]", json: false });
      const retargeted = await configure(lab, { initMode: "ok", label: "recorded" });
      // What the queue holds of a job: its type as the name, and no data.
      expect(await redis.hmget(queueKey(toUninstall), "name", "data")).toEqual(["configure", "{}"]);

      await redis.hset(queueKey(toUninstall), {
        name: "uninstall",
        data: JSON.stringify({ requestedBy: "bootstrap", pluginId: notify }),
      });
      await redis.hset(queueKey(retargeted), {
        data: JSON.stringify({
          requestedBy: "bootstrap",
          pluginId: notify,
          config: { prefix: "[hijacked]" },
        }),
      });
      await p.workers[0]!.start();

      for (const jobId of [toUninstall, retargeted]) {
        const job = await p.waitJob(jobId);
        expect(job.state).toBe("failed");
        expect(job.error?.code).toBe("JOB_TAMPERED");
        // Refused before its first step.
        expect(job.steps.every((s) => s.state === "pending")).toBe(true);
      }
      // Both plugins are as they were: installed, enabled, their config untouched.
      for (const [pluginId, before] of [
        [notify, notifyBefore],
        [lab, labBefore],
      ] as const) {
        const plugin = await p.call<{ pluginId: string; status?: unknown }>(
          "GET",
          `${API}/plugins/${pluginId}`,
        );
        expect(plugin.status).toBe(200);
        expect(await configOf(pluginId)).toEqual(before);
      }
      const log = await p.workers[0]!.output();
      expect(log).toContain("JOB_TAMPERED");
      expect(log).toContain(toUninstall);

      // A job left alone runs what it recorded, and the refused ones released their plugins.
      const honest = await configure(notify, { prefix: "[recorded]", json: true });
      expect(await p.waitJob(honest)).toMatchObject({ state: "succeeded", error: null });
      expect(await configOf(notify)).toEqual({ prefix: "[recorded]", json: true });
    });
  },
);
