import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { JobResource } from "@arcade/contracts";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildPluginZip,
  missingServices,
  serviceAddresses,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// Issue 13, on a running platform (1 API node + 1 worker, SQLite + fs): a plugin config's
// secret fields (writeOnly / x-secret) reach the plugin in ctx.config, and appear nowhere else:
// not in any answer, not in any log line of any process, not in the database file, the job
// rows or the object store (the whole run folder is searched byte for byte), and not in any
// Redis key of the platform.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

const WEBHOOK = `https://hooks.example.test/services/T0/B0/${randomBytes(16).toString("hex")}`;
const TOKEN = `tok-${randomBytes(16).toString("hex")}`;
const OTHER_TOKEN = `tok-${randomBytes(16).toString("hex")}`;

/** A plugin whose `probe` proves what it got, by digest, without ever returning a secret. */
const SOURCE = `import { createHash } from "node:crypto";
const digest = (s) => createHash("sha256").update(String(s)).digest("hex");
export default {
  async init() {},
  actions: {
    async execute() { return {}; },
    async probe(_params, ctx) {
      return { webhook: digest(ctx.config.webhook), token: digest(ctx.config.auth.token), channel: ctx.config.channel };
    },
  },
  async cleanup() {},
};
`;

const MANIFEST = {
  configSchema: {
    type: "object",
    properties: {
      webhook: { type: "string", format: "uri", writeOnly: true },
      auth: { type: "object", properties: { token: { type: "string", pattern: "^tok-", "x-secret": true } } },
      channel: { type: "string" },
    },
    required: ["webhook"],
    additionalProperties: false,
  },
};

/** Every file under `dir` (the run folder: database, store, logs, caches). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.skipIf(missing.length > 0)(
  `config secrets stay secret${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "config-secrets",
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
    /** Every answer body the test saw, searched at the end. */
    const answers: string[] = [];

    async function call<T>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: T }> {
      const res = await platform().request(path, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await res.text();
      answers.push(text);
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    }

    async function finished(jobId: string): Promise<JobResource> {
      const job = await platform().waitJob(jobId);
      answers.push(JSON.stringify(job));
      return job;
    }

    it("are in no Redis key of the platform", async () => {
      // While the platform runs (stopping it drops its keys): every key under its prefix.
      const p = platform();
      const accepted = await p.installZip(
        await buildPluginZip({ name: "secret-probe-redis", manifest: MANIFEST, source: SOURCE }),
      );
      const installed = await finished(accepted.body.jobId);
      const pluginId = installed.pluginId!;
      const put = await call<JobResource>("PUT", `${API}/plugins/${pluginId}/config`, {
        webhook: WEBHOOK,
        auth: { token: TOKEN },
      });
      expect((await finished(put.body.jobId)).state).toBe("succeeded");
      const prefix = `arcade-e2e-${p.id}`;
      let cursor = "0";
      let keys = 0;
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
        cursor = next;
        for (const key of batch) {
          keys += 1;
          const dump = await redis.dumpBuffer(key);
          for (const secret of [WEBHOOK, TOKEN])
            expect(dump?.includes(secret), `${secret} in ${key}`).toBe(false);
        }
      } while (cursor !== "0");
      expect(keys).toBeGreaterThan(0);
    }, 180_000);

    it("reach the plugin and nothing else: answers, logs, database, store", async () => {
      const p = platform();
      const accepted = await p.installZip(
        await buildPluginZip({ name: "secret-probe", manifest: MANIFEST, source: SOURCE }),
      );
      const installed = await finished(accepted.body.jobId);
      expect(installed.state, JSON.stringify(installed.error)).toBe("succeeded");
      const pluginId = installed.pluginId!;

      const put = await call<JobResource>("PUT", `${API}/plugins/${pluginId}/config`, {
        webhook: WEBHOOK,
        auth: { token: TOKEN },
        channel: "#builds",
      });
      expect(put.status).toBe(202);
      expect((await finished(put.body.jobId)).state).toBe("succeeded");

      const shown = await call<Record<string, unknown>>("GET", `${API}/plugins/${pluginId}/config`);
      expect(shown.body).toEqual({ webhook: "[secret]", auth: { token: "[secret]" }, channel: "#builds" });
      const probe = () =>
        call<{ result: Record<string, unknown> }>("POST", `${API}/plugins/${pluginId}/actions/probe`, {});
      expect((await probe()).body.result).toEqual({
        webhook: sha256(WEBHOOK),
        token: sha256(TOKEN),
        channel: "#builds",
      });

      // The masked config sent back with one change keeps both secrets.
      const kept = await call<JobResource>("PUT", `${API}/plugins/${pluginId}/config`, {
        ...shown.body,
        channel: "#ops",
      });
      expect((await finished(kept.body.jobId)).state).toBe("succeeded");
      expect((await probe()).body.result).toEqual({
        webhook: sha256(WEBHOOK),
        token: sha256(TOKEN),
        channel: "#ops",
      });

      // A new token replaces the old one; a bad one is refused without saying any secret.
      const bad = await call<Record<string, unknown>>("PUT", `${API}/plugins/${pluginId}/config`, {
        ...shown.body,
        auth: { token: "not-a-token" },
      });
      expect(bad.status).toBe(422);
      const replaced = await call<JobResource>("PUT", `${API}/plugins/${pluginId}/config`, {
        ...shown.body,
        auth: { token: OTHER_TOKEN },
      });
      expect((await finished(replaced.body.jobId)).state).toBe("succeeded");
      expect((await probe()).body.result).toMatchObject({
        webhook: sha256(WEBHOOK),
        token: sha256(OTHER_TOKEN),
      });

      for (const path of [
        `${API}/plugins/${pluginId}`,
        `${API}/plugins`,
        `${API}/plugins/${pluginId}/versions`,
        `${API}/jobs?pluginId=${pluginId}`,
        `${API}/cluster/nodes`,
      ]) {
        await call("GET", path);
      }

      const secrets = [WEBHOOK, TOKEN, OTHER_TOKEN];
      for (const text of answers) for (const secret of secrets) expect(text).not.toContain(secret);

      // Byte for byte in every file of the run: the SQLite database (and its WAL), the object
      // store, every process's log, the plugin caches. The processes stop first, so every log
      // line is written; the harness removes the folder afterwards.
      for (const proc of [...p.apis, ...p.workers]) await proc.stop();
      const files = await filesUnder(p.runDir);
      expect(files.some((f) => f.includes("logs"))).toBe(true);
      for (const file of files) {
        const bytes = await readFile(file);
        for (const secret of secrets) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
      }
    }, 180_000);
  },
);
