import { createHash, generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import type { JobResource, NodePluginState, PluginResource } from "@arcade/contracts";
import { ed25519KeyId, signSha256Hex } from "@arcade/core";
import { openDatabase } from "@arcade/db";
import { describe, expect, it } from "vitest";
import { buildPluginZip, type Platform, usePlatform } from "../harness/index.js";

// Issue 11, two parts, on a running platform of two API nodes and a worker:
// - plugin schema patterns run on RE2 (linear time): patterns that backtrack for minutes in
//   JavaScript install and are checked at once, the node keeps answering, patterns RE2 cannot
//   run are refused with a pointer, and oversized strings are refused before validation;
// - every node checks the signature stored with a version against its OWN keys before it loads it.

const API = "/api/v1";
const HOSTILE = `${"a".repeat(29)}!`;

interface ClusterNode {
  nodeId: string;
  plugins: NodePluginState[];
}

async function installed(
  p: Platform,
  zip: Buffer,
  fields: Record<string, string> = {},
): Promise<JobResource> {
  const accepted = await p.installZip(zip, { fields });
  expect(accepted.status).toBe(202);
  return p.waitJob(accepted.body.jobId);
}

/** The state of `pluginId` on the node `nodeId` as GET /cluster/nodes reports it. */
async function stateOn(p: Platform, nodeId: string, pluginId: string): Promise<NodePluginState | undefined> {
  const nodes = await p.call<ClusterNode[]>("GET", `${API}/cluster/nodes`);
  return nodes.body.find((n) => n.nodeId === nodeId)?.plugins.find((x) => x.pluginId === pluginId);
}

describe("plugin schema patterns run in linear time", () => {
  const platform = usePlatform({ apis: 1, workers: 1, database: "sqlite", storage: "fs", label: "regex" });
  let pluginId: string;

  it("installs a plugin whose schemas use patterns that backtrack exponentially in JavaScript", async () => {
    const p = platform();
    const zip = await buildPluginZip({
      name: "regex-lab",
      source: `export default { actions: {
        async execute(params) { return { text: params.text }; },
        async hold(params) { await new Promise((r) => setTimeout(r, params.ms)); return { held: params.ms }; },
      } };`,
      manifest: {
        configSchema: {
          type: "object",
          properties: {
            digits: { type: "string", pattern: "^\\d*\\d*\\d*\\d*x" },
            word: { type: "string", pattern: "^(\\w|\\d)*$" },
          },
        },
        defaultConfig: { word: "abc1" },
        paramsSchema: {
          actions: {
            execute: { type: "object", properties: { text: { type: "string", pattern: "^(a|a)*$" } } },
            // The pattern runs first and fails; the second branch lets the call through to the action.
            hold: {
              type: "object",
              properties: {
                text: { anyOf: [{ type: "string", pattern: "^(a|a)*$" }, { type: "string" }] },
                ms: { type: "integer", minimum: 0, maximum: 10_000 },
              },
            },
          },
        },
      },
    });
    const job = await installed(p, zip);
    expect(job.error).toBeNull();
    expect(job.state).toBe("succeeded");
    pluginId = job.pluginId!;
  });

  it('refuses "a"x29+"!" against ^(a|a)*$ at once with PARAMS_INVALID, pointing at the field', async () => {
    const p = platform();
    const res = await p.call<{ code: string; errors: { path: string }[] }>(
      "POST",
      `${API}/plugins/${pluginId}/actions/execute`,
      { params: { text: HOSTILE } },
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("PARAMS_INVALID");
    expect(res.body.errors.map((e) => e.path)).toEqual(["/params/text"]);
    const ok = await p.call<{ result: unknown }>("POST", `${API}/plugins/${pluginId}/actions/execute`, {
      params: { text: "aaaa" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.result).toEqual({ text: "aaaa" });
  });

  it("/healthz answers while a call whose params ran that pattern is in flight", async () => {
    const p = platform();
    let settled = false;
    const call = p
      .call<{ result: unknown }>("POST", `${API}/plugins/${pluginId}/actions/hold`, {
        params: { text: `${"a".repeat(40)}!`, ms: 6_000 },
        timeoutMs: 20_000,
      })
      .finally(() => {
        settled = true;
      });
    // The node reaches the action only after the pattern ran; it answers health checks meanwhile.
    const health = await p.request("/healthz");
    expect(health.status).toBe(200);
    expect(settled).toBe(false);
    const answer = await call;
    expect(answer.status).toBe(200);
    expect(answer.body.result).toEqual({ held: 6_000 });
  });

  it("config is validated against those patterns at once", async () => {
    const p = platform();
    const bad = await p.call<{ code: string; errors: { path: string }[] }>(
      "PUT",
      `${API}/plugins/${pluginId}/config`,
      { digits: `${"1".repeat(40)}!`, word: `${"a".repeat(40)}!` },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe("CONFIG_INVALID");
    expect(bad.body.errors.map((e) => e.path)).toEqual(["/digits", "/word"]);
  });

  it("strings longer than the cap are refused before validation: PARAMS_INVALID, CONFIG_INVALID", async () => {
    const p = platform();
    const long = "a".repeat(65_537);
    const params = await p.call<{ code: string; errors: { path: string; message: string }[] }>(
      "POST",
      `${API}/plugins/${pluginId}/actions/execute`,
      { params: { text: long } },
    );
    expect(params.status).toBe(422);
    expect(params.body.code).toBe("PARAMS_INVALID");
    expect(params.body.errors).toEqual([
      { path: "/params/text", message: expect.stringMatching(/longer than 65536/) },
    ]);
    const config = await p.call<{ code: string }>("PUT", `${API}/plugins/${pluginId}/config`, { word: long });
    expect(config.status).toBe(422);
    expect(config.body.code).toBe("CONFIG_INVALID");
  });

  it("a backreference or lookaround is refused with the reason at the pattern's pointer", async () => {
    const p = platform();
    const manifest = {
      name: "backref",
      version: "1.0.0",
      pluginType: "custom",
      entryPoint: "index.mjs",
      configSchema: { type: "object", properties: { a: { type: "string", pattern: "^(a)\\1$" } } },
      paramsSchema: { type: "object", patternProperties: { "^x(?=y)": {} } },
    };
    const checked = await p.call<{ valid: boolean; errors: { path: string; message: string }[] }>(
      "POST",
      `${API}/plugins/validate-manifest`,
      manifest,
    );
    expect(checked.body.valid).toBe(false);
    expect(checked.body.errors.map((e) => e.path)).toEqual([
      "/configSchema/properties/a/pattern",
      "/paramsSchema/patternProperties/^x(?=y)",
    ]);
    for (const e of checked.body.errors)
      expect(e.message).toMatch(/cannot be compiled by RE2.*backreferences/);

    const job = await installed(p, await buildPluginZip({ name: "backref", manifest }));
    expect(job.state).toBe("failed");
    expect(job.error?.code).toBe("MANIFEST_INVALID");
    expect(job.error?.errors?.map((e) => e.path)).toContain("/configSchema/properties/a/pattern");
  });
});

describe("signatures are checked by every node, against its own keys, before every load", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyId = ed25519KeyId(publicKey);
  const trusted = JSON.stringify([
    { id: keyId, public_key: publicKey.export({ type: "spki", format: "pem" }).toString() },
  ]);
  const platform = usePlatform({
    apis: 2,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "signatures",
    env: { ARCADE_SIGNATURE_TRUSTED_KEYS: trusted },
  });
  let pluginId: string;

  async function signedZip(name: string, version: string) {
    const zip = await buildPluginZip({ name, version });
    const sha256 = createHash("sha256").update(zip).digest("hex");
    return { zip, fields: { keyId, signature: signSha256Hex(sha256, privateKey) } };
  }

  it("a signed install loads on both nodes", async () => {
    const p = platform();
    const { zip, fields } = await signedZip("signed-lab", "1.0.0");
    const job = await installed(p, zip, fields);
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ signedBy: keyId });
    pluginId = job.pluginId!;
    for (const api of p.apis) {
      await expect
        .poll(async () => (await stateOn(p, api.nodeId, pluginId))?.state, { timeout: 20_000 })
        .toBe("loaded");
    }
  });

  it("a node whose own config revokes the key stops loading the version, and says so; the other keeps it", async () => {
    const p = platform();
    const revoking = p.apis[1]!;
    await revoking.restart({ env: { ARCADE_SIGNATURE_REVOKED_KEYS: keyId } });
    await expect
      .poll(async () => (await stateOn(p, revoking.nodeId, pluginId))?.state, { timeout: 20_000 })
      .toBe("error");
    expect((await stateOn(p, revoking.nodeId, pluginId))?.error).toMatch(/KEY_REVOKED/);
    expect((await stateOn(p, p.apis[0]!.nodeId, pluginId))?.state).toBe("loaded");

    const detail = await p.call<PluginResource>("GET", `${API}/plugins/${pluginId}`);
    const onRevoking = detail.body.nodes?.find((n) => n.nodeId === revoking.nodeId);
    expect(onRevoking).toMatchObject({ state: "error", error: expect.stringMatching(/KEY_REVOKED/) });

    const refused = await p.call<{ code: string }>(
      "POST",
      `${API}/plugins/${pluginId}/actions/execute`,
      {},
      { apiIndex: 1 },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("PLUGIN_NOT_LOADED");
    const served = await p.call("POST", `${API}/plugins/${pluginId}/actions/execute`, {}, { apiIndex: 0 });
    expect(served.status).toBe(200);

    // Back to the shared config: the node loads it again.
    await revoking.restart({ env: {} });
    await expect
      .poll(async () => (await stateOn(p, revoking.nodeId, pluginId))?.state, { timeout: 20_000 })
      .toBe("loaded");
  });

  it("a signature changed in the database makes a node refuse to load the version", async () => {
    const p = platform();
    const db = await openDatabase({ type: "sqlite", path: join(p.sharedDataDir!, "arcade.db") });
    try {
      const version = (await db.plugins.getVersion(pluginId, "1.0.0"))!;
      const forged = signSha256Hex("0".repeat(64), privateKey);
      await db.plugins.transaction((tx) => tx.upsertVersion({ ...version, signature: forged }));
    } finally {
      await db.close();
    }
    const node = p.apis[0]!;
    await node.restart();
    await expect
      .poll(async () => (await stateOn(p, node.nodeId, pluginId))?.state, { timeout: 20_000 })
      .toBe("error");
    expect((await stateOn(p, node.nodeId, pluginId))?.error).toMatch(/SIGNATURE_INVALID/);
  });
});
