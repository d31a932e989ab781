import { createHash, generateKeyPairSync } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobResource, PluginResource } from "@arcade/contracts";
import { ed25519KeyId } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  buildPluginZip,
  expectEveryNodeApplied,
  freePort,
  type JsonResponse,
  missingServices,
  type Platform,
  PlatformProcess,
  REPO_ROOT,
  serviceAddresses,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// The market across processes: the reference market (apps/market) as its own process over a
// folder holding the notify-stdout example, and a platform of 2 API nodes and a worker that
// trusts the market's key. Installs and updates with source=market through HTTP only; the
// worker's update checker notices a version published later.

const API = "/api/v1";
const kind = { database: "sqlite", storage: "fs" } as const;
const missing = missingServices(kind);
const MARKET_ENTRY = join(REPO_ROOT, "apps", "market", "src", "main.ts");

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(200);
    }
  }
}

/** POST install / PUT update with multipart fields only (what `curl -F source=market -F marketId=...` sends). */
async function marketRequest(
  p: Platform,
  method: "POST" | "PUT",
  path: string,
  fields: Record<string, string>,
): Promise<JsonResponse<JobResource>> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ source: "market", ...fields })) form.set(name, value);
  const res = await p.request(`${path}?wait=30`, { method, body: form });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as JobResource, text };
}

async function finished(p: Platform, res: JsonResponse<JobResource>): Promise<JobResource> {
  expect([200, 202], res.text).toContain(res.status);
  return res.status === 200 ? res.body : p.waitJob(res.body.jobId);
}

describe.skipIf(missing.length > 0)(
  `market end to end${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const key = generateKeyPairSync("ed25519");
    const keyId = ed25519KeyId(key.publicKey);
    const publicKeyBase64 = Buffer.from(key.publicKey.export({ format: "jwk" }).x!, "base64url").toString(
      "base64",
    );
    // Filled before the platform starts (this beforeAll is registered before usePlatform's).
    const env: Record<string, string> = {};
    let runDir: string;
    let marketDir: string;
    let market: PlatformProcess;
    let marketUrl: string;

    beforeAll(async () => {
      const base = serviceAddresses().dataDir ?? tmpdir();
      await mkdir(base, { recursive: true });
      runDir = await mkdtemp(join(base, "e2e-market-"));
      marketDir = join(runDir, "zips");
      await mkdir(marketDir);
      await copyFile(await buildExamplePlugin("notify-stdout"), join(marketDir, "notify-stdout-1.0.0.zip"));
      const keyFile = join(runDir, "market.key.pem");
      await writeFile(keyFile, key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), {
        mode: 0o600,
      });
      const port = await freePort();
      market = new PlatformProcess({
        name: "market",
        entry: MARKET_ENTRY,
        env: {
          ARCADE_MARKET_DIR: marketDir,
          ARCADE_MARKET_PORT: String(port),
          ARCADE_MARKET_KEY: keyFile,
        },
        logFile: join(runDir, "market.log"),
      });
      await market.spawn();
      await market.waitForOutput(/"msg":"market ready"/, 60_000);
      marketUrl = `http://127.0.0.1:${port}/`;
      Object.assign(env, {
        ARCADE_PLUGIN_ENABLE_MARKET: "true",
        ARCADE_PLUGIN_MARKET_API: marketUrl,
        ARCADE_SIGNATURE_TRUSTED_KEYS: JSON.stringify([{ id: keyId, public_key: publicKeyBase64 }]),
        ARCADE_PLUGIN_AUTO_CHECK_UPDATE: "true",
        ARCADE_PLUGIN_UPDATE_CHECK_INTERVAL: "1s",
        // No safety-net reconcile during the test: what the nodes run follows from the events alone.
        ARCADE_NODE_RECONCILE_INTERVAL: "10m",
      });
    });

    afterAll(async () => {
      await market?.stop();
      if (runDir) await rm(runDir, { recursive: true, force: true });
    });

    const platform = usePlatform({ ...kind, apis: 2, workers: 1, label: "market", env });

    let pluginId: string;

    it("the market prints how to trust its key, and serves the example", async () => {
      const out = await market.output();
      expect(out).toContain(`id = "${keyId}"`);
      expect(out).toContain(`public_key = "${publicKeyBase64}"`);
      const res = await fetch(new URL("v1/plugins?q=notify", marketUrl));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { marketId: string; latestVersion: string }[] };
      expect(body.items).toEqual([
        expect.objectContaining({ marketId: "notify-stdout", latestVersion: "1.0.0" }),
      ]);
    });

    it("installs with source=market: succeeded on every node, signed by the market, invocable", async () => {
      const p = platform();
      const zip = await readFile(join(marketDir, "notify-stdout-1.0.0.zip"));
      const job = await finished(
        p,
        await marketRequest(p, "POST", `${API}/plugins/install`, { marketId: "notify-stdout" }),
      );
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.result).toMatchObject({
        version: "1.0.0",
        checksum: createHash("sha256").update(zip).digest("hex"),
        signedBy: keyId,
      });
      expectEveryNodeApplied(job.result?.nodes, 2);
      pluginId = job.pluginId!;

      const plugin = await p.call<PluginResource>("GET", `${API}/plugins/${pluginId}`);
      expect(plugin.body).toMatchObject({ name: "notify-stdout", source: "market", version: "1.0.0" });
      for (const api of p.apis) {
        const res = await eventually(async () => {
          const r = await p.call<{ result: unknown; version: string; node: string }>(
            "POST",
            `${API}/plugins/${pluginId}/actions/send`,
            { params: { message: `hello from the market on ${api.nodeId}` } },
            { apiIndex: api.index },
          );
          expect(r.status, r.text).toBe(200);
          return r;
        });
        expect(res.body).toMatchObject({ version: "1.0.0", node: api.nodeId });
      }
    });

    it("an unknown market id fails the job with MARKET_PLUGIN_NOT_FOUND", async () => {
      const p = platform();
      const job = await finished(
        p,
        await marketRequest(p, "POST", `${API}/plugins/install`, { marketId: "nope" }),
      );
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("MARKET_PLUGIN_NOT_FOUND");
    });

    it("the update checker records a version published later; an update from the market applies it everywhere", async () => {
      const p = platform();
      await copyFile(
        await buildExamplePlugin("notify-stdout", { version: "1.1.0" }),
        join(marketDir, "notify-stdout-1.1.0.zip"),
      );
      market.signal("SIGHUP");
      await market.waitForOutput(/"msg":"catalog rescanned"/, 30_000);

      const seen = await eventually(async () => {
        const res = await p.call<PluginResource>("GET", `${API}/plugins/${pluginId}`, undefined, {
          apiIndex: 1,
        });
        expect(res.body).toMatchObject({ version: "1.0.0", latestVersion: "1.1.0", updateAvailable: true });
        return res.body;
      });
      expect(seen.source).toBe("market");

      const job = await finished(
        p,
        await marketRequest(p, "PUT", `${API}/plugins/${pluginId}`, { marketId: "notify-stdout" }),
      );
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.result).toMatchObject({
        version: "1.1.0",
        signedBy: keyId,
      });
      expectEveryNodeApplied(job.result?.nodes, 2);
      const after = await p.call<PluginResource>("GET", `${API}/plugins/${pluginId}`);
      expect(after.body).toMatchObject({ version: "1.1.0", latestVersion: "1.1.0", updateAvailable: false });
      const served = await p.call<{ version: string }>(
        "POST",
        `${API}/plugins/${pluginId}/actions/send`,
        { params: { message: "after the update" } },
        { apiIndex: 1 },
      );
      expect(served.body.version).toBe("1.1.0");
    });

    it("a cascading disable or uninstall unloads the dependents on every node, not just the plugin", async () => {
      const p = platform();
      const ids: string[] = [];
      const chain = [
        { name: "mkt-e2e-base", dependencies: [] },
        { name: "mkt-e2e-mid", dependencies: [{ name: "mkt-e2e-base", version: "^1" }] },
        { name: "mkt-e2e-top", dependencies: [{ name: "mkt-e2e-mid", version: "^1" }] },
      ];
      for (const link of chain) {
        const zip = await buildPluginZip({ name: link.name, manifest: { dependencies: link.dependencies } });
        const res = await p.installZip(zip, { waitSeconds: 30 });
        const job = await finished(p, res);
        expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
        ids.push(job.pluginId!);
      }
      const refused = await finished(
        p,
        await p.call<JobResource>("POST", `${API}/plugins/${ids[0]}/disable?wait=30`, {}),
      );
      expect(refused.error?.code).toBe("DEPENDENTS_EXIST");

      const res = await p.call<JobResource>(
        "POST",
        `${API}/plugins/${ids[0]}/disable?cascade=true&wait=30`,
        {},
      );
      const job = await finished(p, res);
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.result).toMatchObject({ cascaded: [ids[2], ids[1]] });
      expectEveryNodeApplied(job.result?.nodes, 2);
      // Once the job reports every node applied, none of the three runs anywhere.
      for (const api of p.apis) {
        const loaded = await p.call<{ name: string }[]>("GET", `${API}/plugins/metrics`, undefined, {
          apiIndex: api.index,
        });
        expect(loaded.body.map((m) => m.name).filter((n) => n.startsWith("mkt-e2e-"))).toEqual([]);
      }

      // Back on, in order; then a cascading uninstall removes all three from every node.
      for (const id of ids) {
        const on = await finished(
          p,
          await p.call<JobResource>("POST", `${API}/plugins/${id}/enable?wait=30`, {}),
        );
        expect(on.state, JSON.stringify(on.error)).toBe("succeeded");
      }
      for (const api of p.apis) {
        const loaded = await p.call<{ name: string }[]>("GET", `${API}/plugins/metrics`, undefined, {
          apiIndex: api.index,
        });
        expect(
          loaded.body
            .map((m) => m.name)
            .filter((n) => n.startsWith("mkt-e2e-"))
            .sort(),
        ).toEqual(chain.map((c) => c.name).sort());
      }
      const gone = await finished(
        p,
        await p.call<JobResource>("DELETE", `${API}/plugins/${ids[0]}?cascade=true&wait=30`),
      );
      expect(gone.state, JSON.stringify(gone.error)).toBe("succeeded");
      expect(gone.result).toMatchObject({ cascaded: [ids[2], ids[1]] });
      expectEveryNodeApplied(gone.result?.nodes, 2);
      for (const api of p.apis) {
        const loaded = await p.call<{ name: string }[]>("GET", `${API}/plugins/metrics`, undefined, {
          apiIndex: api.index,
        });
        expect(loaded.body.map((m) => m.name).filter((n) => n.startsWith("mkt-e2e-"))).toEqual([]);
      }
      for (const id of ids) expect((await p.call("GET", `${API}/plugins/${id}`)).status).toBe(404);
    });
  },
);
