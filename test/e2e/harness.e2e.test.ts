import { readFile, stat } from "node:fs/promises";
import { connect } from "node:net";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import {
  descendantPids,
  missingServices,
  pidAlive,
  serviceAddresses,
  skipReason,
  startPlatform,
  usePlatform,
} from "../harness/index.js";

// The harness's own promises, checked against real processes: the pid a handle holds is the
// server (not a relay), killing it leaves nothing behind, and stopAll cleans up everything.
const kind = { database: "sqlite", storage: "fs" } as const;
const missing = missingServices(kind);

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").join(" ").trim();
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Waits (bounded) until none of the pids is alive; returns the ones still alive. */
async function survivors(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive: number[] = [];
    for (const pid of pids) if (await pidAlive(pid)) alive.push(pid);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(missing.length > 0)(
  `process harness${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({ ...kind, apis: 1, workers: 1, label: "harness" });

    it("holds the pid of the server itself, not of a relay", async () => {
      const p = platform();
      const api = p.apis[0]!;
      const worker = p.workers[0]!;
      // The compiled entries, run by node itself: no relay (a package manager, the tsx CLI)
      // that would hold the server as a child of the pid we signal.
      expect(await cmdline(api.pid!)).toMatch(
        /^\S*node --enable-source-maps .* \S*apps\/api\/dist\/main\.js$/,
      );
      expect(await cmdline(worker.pid!)).toMatch(
        /^\S*node --enable-source-maps .* \S*apps\/worker\/dist\/main\.js$/,
      );
      for (const child of await descendantPids(api.pid!)) {
        expect(await cmdline(child).catch(() => "")).not.toMatch(/main\.js/);
      }
      const ready = await p.call<{ status: string }>("GET", "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe("ready");
    });

    it("SIGKILL of an API's pid ends the server and everything it started; restart brings it back", async () => {
      const p = platform();
      const api = p.apis[0]!;
      const pid = api.pid!;
      const children = await descendantPids(pid);
      const exit = await api.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      expect(api.running).toBe(false);
      expect(await portAccepts(api.port)).toBe(false);
      expect(await survivors([pid, ...children])).toEqual([]);

      await api.start();
      expect(api.pid).not.toBe(pid);
      expect((await p.call("GET", "/readyz")).status).toBe(200);
    });

    it("SIGKILL of a worker's pid leaves no process behind; start() runs a new one", async () => {
      const p = platform();
      const worker = p.workers[0]!;
      const pid = worker.pid!;
      const children = await descendantPids(pid);
      await worker.kill("SIGKILL");
      expect(await survivors([pid, ...children])).toEqual([]);
      await worker.start();
      expect(worker.running).toBe(true);
      expect(worker.pid).not.toBe(pid);
    });

    it("passes the platform's settings to every process (unique node ids, own caches, prefixes)", async () => {
      const p = platform();
      const api = p.apis[0]!.process.env;
      const worker = p.workers[0]!.process.env;
      expect(api.ARCADE_NODE_ID).not.toBe(worker.ARCADE_NODE_ID);
      expect(api.ARCADE_PLUGIN_LOCAL_CACHE_DIR).not.toBe(worker.ARCADE_PLUGIN_LOCAL_CACHE_DIR);
      expect(api.ARCADE_REDIS_KEY_PREFIX).toBe(p.resources.redisPrefix);
      expect(api.ARCADE_ADMIN_TOKEN).toBe(p.token);
      expect(p.token).toHaveLength(32);
      // The test run's own variables do not leak into the platform.
      const environ = (await readFile(`/proc/${p.apis[0]!.pid}/environ`, "utf8")).split("\0");
      expect(environ.filter((line) => line.startsWith("ARCADE_TEST_"))).toEqual([]);
    });

    it("stopAll stops every process and removes the run folder and the Redis keys", async () => {
      const other = await startPlatform({ ...kind, apis: 1, workers: 1, label: "harness-stop" });
      const pids = [other.apis[0]!.pid!, other.workers[0]!.pid!];
      const children = (await Promise.all(pids.map((pid) => descendantPids(pid)))).flat();
      const redis = new Redis(serviceAddresses().redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        // The API's node registry writes heartbeats under the prefix.
        expect((await redis.keys(`${other.resources.redisPrefix}*`)).length).toBeGreaterThan(0);
        await other.stopAll();
        expect(await survivors([...pids, ...children])).toEqual([]);
        await expect(stat(other.runDir)).rejects.toMatchObject({ code: "ENOENT" });
        expect(await redis.keys(`${other.resources.redisPrefix}*`)).toEqual([]);
      } finally {
        await other.stopAll();
        redis.disconnect();
      }
    });
  },
);
