import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serviceAddresses, usePlatform } from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "../runtime/backends.js";
import { invoke, type MetricsRow, metrics, mutate, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";
import { hostileZip } from "./hostile-plugin.js";

// Issue 11: a plugin published by an attacker, installed on a running platform, tries every
// escape in turn through the HTTP API. Each is refused with PERMISSION_DENIED naming what
// was refused, or contained (memory), and the node keeps serving.
const missing = missingForRuntime();

/** host:port of a redis:// or mysql:// URL of the test run. */
function hostPort(url: string | undefined): { host: string; port: number } | null {
  if (!url) return null;
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

async function vmRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

describe.skipIf(missing.length > 0)(
  suiteName("isolation: hostile plugins are denied or contained", missing),
  () => {
    const platform = usePlatform({
      apis: 1,
      workers: 1,
      ...preferredBackends(),
      label: "iso-hostile",
      apiEnv: { ARCADE_RUNTIME_RESTART_BACKOFF: "200ms", ARCADE_RUNTIME_MAX_RESTARTS: "10" },
    });
    let hostile = "";
    let victim = "";

    async function denied(action: string, params: unknown = {}): Promise<string> {
      const res = await invoke(platform(), 0, hostile, action, params, 20_000);
      expect(res.status, `${action}: ${res.text}`).toBe(403);
      expect(res.body.code).toBe("PERMISSION_DENIED");
      expect(res.body.title).toContain(String(res.body.denied));
      return String(res.body.denied);
    }

    async function row(): Promise<MetricsRow & { denials: number; lastDenial: string | null; pid: number }> {
      const found = (await metrics(platform(), 0)).find((r) => r.pluginId === hostile);
      if (!found) throw new Error(`${hostile} is not in /plugins/metrics`);
      return found as MetricsRow & { denials: number; lastDenial: string | null; pid: number };
    }

    it("installs the hostile plugin (it declares nothing) and a victim beside it", async () => {
      const p = platform();
      hostile = (await uploadAndWait(p, await hostileZip("hostile"))).pluginId;
      victim = (await uploadAndWait(p, await hostileZip("victim"))).pluginId;
      const answer = await invoke<{ uid: number; env: string[] }>(p, 0, hostile, "whoami");
      expect(answer.status, answer.text).toBe(200);
      // An empty environment: nothing of the node's (ARCADE_ADMIN_TOKEN, the database URL).
      expect(answer.body.result.env).toEqual([]);
      if (process.getuid?.() === 0) expect(answer.body.result.uid).not.toBe(0);
    });

    it("reading outside its folder: system files, the platform's config, token and database, /proc", async () => {
      const p = platform();
      expect(await denied("read", { path: "/etc/hostname" })).toBe("fs.read /etc/hostname");
      expect(await denied("read", { path: "/etc/shadow" })).toBe("fs.read /etc/shadow");
      const config = join(p.runDir, "arcade.toml");
      const token = join(p.runDir, "admin-token");
      await writeFile(config, `[auth]\n# token ${p.token}\n`, { mode: 0o644 });
      await writeFile(token, p.token, { mode: 0o600 });
      expect(await denied("read", { path: config })).toBe(`fs.read ${config}`);
      expect(await denied("read", { path: token })).toBe(`fs.read ${token}`);
      if (p.sharedDataDir && p.database === "sqlite") {
        const db = join(p.sharedDataDir, "arcade.db");
        expect(await denied("read", { path: db })).toBe(`fs.read ${db}`);
      }
      const apiPid = p.apis[0]?.pid;
      expect(await denied("read", { path: `/proc/${apiPid}/environ` })).toBe(
        `fs.read /proc/${apiPid}/environ`,
      );
      expect(await denied("read", { path: "/proc/self/environ" })).toMatch(
        /^fs\.read \/proc\/self\/environ$/,
      );
    });

    it("writing outside its data folder: another plugin's unpacked code, the system", async () => {
      const p = platform();
      const victimEntry = join(p.runDir, "cache", "api-0", `${victim}_1.0.0`, "index.mjs");
      expect(await denied("write", { path: victimEntry })).toBe(`fs.write ${victimEntry}`);
      expect(await denied("write", { path: "/etc/cron.d/arcade" })).toBe("fs.write /etc/cron.d/arcade");
      // Its own data folder works, and is its working directory.
      const own = await invoke(p, 0, hostile, "writeData", { name: "note.txt", text: "mine" });
      expect(own.status, own.text).toBe(200);
      expect(await invoke(p, 0, hostile, "readData", { name: "note.txt" })).toMatchObject({
        status: 200,
        body: { result: "mine" },
      });
      // The victim still runs its own code.
      expect((await invoke(p, 0, victim, "execute", { n: 1 })).body.result).toEqual({
        ok: true,
        params: { n: 1 },
      });
    });

    it("processes, workers, eval, native addons and process.binding", async () => {
      expect(await denied("spawn")).toBe("child_process");
      expect(await denied("fork")).toBe("child_process");
      expect(await denied("worker")).toBe("worker_threads");
      expect(await denied("evalIt")).toBe("eval");
      expect(await denied("newFunction")).toBe("eval");
      expect(await denied("addon")).toBe("addons");
      expect(await denied("binding")).toBe("process.binding");
    });

    it("raw sockets to the cluster's Redis and database ports", async () => {
      const a = serviceAddresses();
      const redis = hostPort(a.redisUrl);
      expect(redis, "the test run has a Redis").not.toBeNull();
      expect(await denied("connect", redis)).toBe(`net ${redis?.host}:${redis?.port}`);
      const mysql = hostPort(a.mysqlUrl);
      if (mysql) expect(await denied("connect", mysql)).toBe(`net ${mysql.host}:${mysql.port}`);
      // The platform's own API port, too.
      const api = platform().apis[0];
      expect(await denied("connect", { host: "127.0.0.1", port: api?.port })).toBe(
        `net 127.0.0.1:${api?.port}`,
      );
    });

    it("counts every denial in the plugin's metrics", async () => {
      const r = await row();
      expect(r.denials).toBeGreaterThanOrEqual(18);
      expect(r.lastDenial).toMatch(/^net 127\.0\.0\.1:\d+$/);
    });

    it("memory outside the heap is bounded: a 256 MB Buffer is refused, the node does not grow", async () => {
      const p = platform();
      const apiPid = p.apis[0]?.pid as number;
      const before = await vmRssMb(apiPid);
      const res = await invoke(p, 0, hostile, "buffer", { mb: 256 }, 20_000);
      expect(res.status, res.text).toBe(502);
      expect(res.body.code).toBe("ACTION_FAILED");
      expect(res.text).toMatch(/Failed to allocate memory|allocation failed|out of memory/i);
      expect(await vmRssMb(apiPid)).toBeLessThan(before + 100);
      // A modest Buffer still works: the bound is on the plugin's total, not a ban.
      expect((await invoke(p, 0, hostile, "buffer", { mb: 8 })).body.result).toBe(8 * 1024 * 1024);
    });

    it("heap exhaustion ends only the plugin's process; it is restarted and serves again", async () => {
      const p = platform();
      const pidBefore = (await row()).pid;
      const res = await invoke(p, 0, hostile, "heap", {}, 60_000);
      expect(res.status, res.text).toBe(502);
      expect(res.text).toMatch(/out of memory|crashed/);
      await waitUntil(
        "the hostile plugin serves again after its restart",
        async () => ((await invoke(p, 0, hostile, "execute", {})).status === 200 ? true : undefined),
        { timeoutMs: 60_000 },
      );
      expect((await row()).pid).not.toBe(pidBefore);
      expect((await invoke(p, 0, victim, "execute", {})).status).toBe(200);
    });

    it("its data folder is kept while it is disabled, and removed with it on uninstall", async () => {
      const p = platform();
      const dataDir = join(p.sharedDataDir ?? join(p.runDir, "nodes", "api-0"), "plugin-data", hostile);
      const note = join(dataDir, "note.txt");
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await mutate(p, "POST", `/api/v1/plugins/${hostile}/disable`)).state).toBe("succeeded");
      expect(await readFile(note, "utf8")).toBe("mine");
      expect((await mutate(p, "POST", `/api/v1/plugins/${hostile}/enable`)).state).toBe("succeeded");
      expect((await mutate(p, "DELETE", `/api/v1/plugins/${hostile}`)).state).toBe("succeeded");
      await waitUntil(
        "the uninstalled plugin's data folder is removed",
        async () =>
          (await stat(dataDir).then(
            () => true,
            () => false,
          ))
            ? undefined
            : true,
        { timeoutMs: 15_000 },
      );
      // The victim's stays.
      await stat(join(dataDir, "..", victim));
    });
  },
);
