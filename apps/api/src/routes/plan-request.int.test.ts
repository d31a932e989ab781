import { type ChangePlan, ChangePlanSchema, PluginStatus } from "@arcade/contracts";
import { SignaturePolicy } from "@arcade/core";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeZip, manifestOf, multipartBody, type Part, pluginZip } from "../testing/fixtures.js";
import { type CallOptions, call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

const planShape = TypeCompiler.Compile(ChangePlanSchema);

function upload(parts: Part[], extra: CallOptions = {}): CallOptions {
  const { body, contentType } = multipartBody(parts);
  return { method: "POST", ...extra, body, headers: { "content-type": contentType, ...extra.headers } };
}

async function zipPart(manifest: Record<string, unknown>): Promise<Part[]> {
  return [
    { name: "source", value: "local" },
    { name: "file", value: await pluginZip(manifest), filename: "plugin.zip" },
  ];
}

/** A 200 plan that matches the route contract's ChangePlan schema. */
async function planOf(res: Response): Promise<ChangePlan> {
  const plan = await expectJson<ChangePlan>(res, 200);
  expect([...planShape.Errors(plan)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  return plan;
}

const codes = (plan: ChangePlan) => plan.blocked.map((b) => b.code);

describeWithRedis("?dryRun=true: every mutation answers its plan and changes nothing", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Everything a mutation could leave behind: rows, queue entries, staged objects, scratch files, revision. */
  async function footprint() {
    const jobs = await t.db.jobs.list({ page: 1, pageSize: 200 });
    const plugins = await t.db.plugins.listAll();
    return {
      jobs: jobs.items.map((j) => `${j.jobId}:${j.state}`),
      queue: await t.producer.queue.getJobCounts(),
      revision: await t.db.plugins.currentRevision(),
      plugins: plugins.map((p) => `${p.pluginId}@${p.version}:${p.isEnabled}`).sort(),
      configs: await Promise.all(plugins.map((p) => t.db.plugins.getConfig(p.pluginId))),
      objects: (await t.store.list("")).map((o) => o.key).sort(),
      staging: await t.stagingLeftovers(),
      scratch: await t.scratchLeftovers(),
    };
  }

  /** Runs a dry run and checks it left no trace. */
  async function dryRun(path: string, options: CallOptions): Promise<Response> {
    const before = await footprint();
    const res = await call(t.app, path, options);
    expect(await footprint()).toEqual(before);
    return res;
  }

  describe("install", () => {
    it("a zip: the manifest inside it, every permission as new, the live nodes, nothing staged", async () => {
      const plan = await planOf(
        await dryRun(
          "/api/v1/plugins/install?dryRun=true",
          upload(await zipPart({ name: "plan-install", version: "1.2.0", permissions: { env: ["TZ"] } })),
        ),
      );
      expect(plan).toMatchObject({
        type: "install",
        pluginId: null,
        name: "plan-install",
        fromVersion: null,
        toVersion: "1.2.0",
        blocked: [],
        permissions: { added: ["env TZ"], escalated: false },
        platform: { minVersion: null, platformVersion: "1.0.0", compatible: true },
      });
      expect(plan.rollout?.steps[0]?.nodes).toEqual([{ nodeId: "test-node", serves: { "1.2.0": 100 } }]);
    });

    it("a single module plus its manifest field is built and inspected as the worker does", async () => {
      const manifest = manifestOf({ name: "plan-module", version: "0.3.0", entryPoint: "index.mjs" });
      const plan = await planOf(
        await dryRun(
          "/api/v1/plugins/install?dryRun=1",
          upload([
            { name: "file", value: "export default {};\n", filename: "index.mjs" },
            { name: "manifest", value: JSON.stringify(manifest) },
          ]),
        ),
      );
      expect(plan).toMatchObject({ name: "plan-module", toVersion: "0.3.0", blocked: [] });
    });

    it("a taken name, an unmet dependency, a too-new platform and a broken archive are blocked", async () => {
      const taken = await t.insertPlugin({ name: "plan-taken" });
      const plan = await planOf(
        await dryRun(
          "/api/v1/plugins/install?dryRun=true",
          upload(
            await zipPart({
              name: taken.name,
              minVersion: "99.0.0",
              dependencies: [{ name: "plan-nowhere", version: "^1.0.0" }],
            }),
          ),
        ),
      );
      expect(codes(plan)).toEqual(["PLATFORM_VERSION_UNSUPPORTED", "DEPENDENCY_MISSING", "PLUGIN_EXISTS"]);
      expect(plan.platform).toEqual({ minVersion: "99.0.0", platformVersion: "1.0.0", compatible: false });

      const broken = await planOf(
        await dryRun(
          "/api/v1/plugins/install?dryRun=true",
          upload([
            { name: "file", value: await makeZip({ "readme.txt": "no manifest" }), filename: "x.zip" },
          ]),
        ),
      );
      expect(codes(broken)).toEqual(["MANIFEST_MISSING"]);
      expect(broken.toVersion).toBeNull();
    });

    it("bad input gets the same 4xx as the real request", async () => {
      const cases: [string, CallOptions][] = [
        ["no file", upload([{ name: "source", value: "local" }])],
        ["module without manifest", upload([{ name: "file", value: "x", filename: "index.mjs" }])],
        ["bad source", upload([{ name: "source", value: "ftp" }])],
        [
          "bad idempotency key",
          upload(await zipPart({ name: "plan-key" }), { headers: { "idempotency-key": "k".repeat(201) } }),
        ],
        ["not multipart", { method: "POST", json: {} }],
        ["too large", upload([{ name: "file", value: Buffer.alloc(300 * 1024, 7), filename: "big.zip" }])],
      ];
      for (const [what, options] of cases) {
        const real = await call(t.app, "/api/v1/plugins/install", options);
        const dry = await dryRun("/api/v1/plugins/install?dryRun=true", options);
        expect(dry.status, what).toBe(real.status);
        expect(((await dry.json()) as { code: string }).code, what).toBe(
          ((await real.json()) as { code: string }).code,
        );
        expect(dry.status).toBeGreaterThanOrEqual(400);
      }
      await expectProblem(
        await dryRun("/api/v1/plugins/install?dryRun=maybe", upload(await zipPart({}))),
        400,
        "VALIDATION_FAILED",
      );
      await expectProblem(
        await dryRun(
          "/api/v1/plugins/install?dryRun=true",
          upload([
            { name: "source", value: "market" },
            { name: "marketId", value: "m-1" },
          ]),
        ),
        400,
        "VALIDATION_FAILED",
      );
    });
  });

  it("signatures are checked as the worker checks them: the upload's first, a rollback target's after compatibility", async () => {
    t.deps.signatures = new SignaturePolicy({ requireSignature: true, trustedKeys: [], revokedKeys: [] });
    try {
      const plan = await planOf(
        await dryRun("/api/v1/plugins/install?dryRun=true", upload(await zipPart({ name: "plan-unsigned" }))),
      );
      expect(codes(plan)).toEqual(["SIGNATURE_MISSING"]);
      const signed = await planOf(
        await dryRun(
          "/api/v1/plugins/install?dryRun=true",
          upload([
            ...(await zipPart({ name: "plan-signed" })),
            { name: "signature", value: "c2ln" },
            { name: "keyId", value: "someone" },
          ]),
        ),
      );
      expect(codes(signed)).toEqual(["KEY_UNTRUSTED"]);
    } finally {
      t.deps.signatures = null;
    }
  });

  describe("update", () => {
    it("a permission escalation: blocked without acceptPermissions, the grants it adds, stored permissions compared", async () => {
      const base = await t.insertPlugin({ name: "plan-upd", permissions: { env: ["TZ"] } });
      const next = { name: base.name, version: "2.0.0", permissions: { env: ["TZ", "HOME"] } };
      const path = `/api/v1/plugins/${base.pluginId}?dryRun=true`;
      const refused = await planOf(await dryRun(path, upload(await zipPart(next), { method: "PUT" })));
      expect(refused).toMatchObject({
        type: "update",
        pluginId: base.pluginId,
        fromVersion: "1.0.0",
        toVersion: "2.0.0",
      });
      expect(codes(refused)).toEqual(["PERMISSIONS_ESCALATED"]);
      expect(refused.permissions).toMatchObject({ added: ["env HOME"], removed: [], escalated: true });
      const accepted = await planOf(
        await dryRun(`${path}&acceptPermissions=true`, upload(await zipPart(next), { method: "PUT" })),
      );
      expect(accepted.blocked).toEqual([]);
    });

    it("the rollout field: its steps for the live nodes; a bad one is the real request's 400", async () => {
      const base = await t.insertPlugin({ name: "plan-canary" });
      const parts = [
        ...(await zipPart({ name: base.name, version: "1.1.0" })),
        { name: "rollout", value: JSON.stringify({ strategy: "two-phase" }) },
      ];
      const path = `/api/v1/plugins/${base.pluginId}`;
      const plan = await planOf(await dryRun(`${path}?dryRun=true`, upload(parts, { method: "PUT" })));
      expect(plan.rollout?.strategy).toBe("two-phase");
      expect(plan.rollout?.steps.map((s) => [s.kind, s.nodes])).toEqual([
        ["prepare", [{ nodeId: "test-node", serves: { "1.0.0": 100 }, loads: "1.1.0" }]],
        ["switch", [{ nodeId: "test-node", serves: { "1.1.0": 100 } }]],
      ]);
      const bad = [
        ...(await zipPart({ name: base.name, version: "1.1.0" })),
        {
          name: "rollout",
          value: JSON.stringify({ strategy: "canary", steps: [{ nodes: 1, hold: "soon" }] }),
        },
      ];
      const dry = await expectProblem(
        await dryRun(`${path}?dryRun=true`, upload(bad, { method: "PUT" })),
        400,
        "VALIDATION_FAILED",
      );
      const real = await expectProblem(await call(t.app, path, upload(bad, { method: "PUT" })), 400);
      expect(dry.errors).toEqual(real.errors);
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a stored config key the new schema refuses, and an older version", async () => {
      const base = await t.insertPlugin({ name: "plan-cfg" });
      await t.db.plugins.transaction((tx) => tx.setConfig(base.pluginId, { channel: "#ops", url: "x" }));
      const next = {
        name: base.name,
        version: "2.0.0",
        configSchema: { type: "object", properties: { channel: { type: "integer" } } },
      };
      const plan = await planOf(
        await dryRun(
          `/api/v1/plugins/${base.pluginId}?dryRun=true`,
          upload(await zipPart(next), { method: "PUT" }),
        ),
      );
      expect(codes(plan)).toEqual(["CONFIG_INVALID"]);
      expect(plan.config?.invalidKeys).toEqual(["channel"]);
      const older = await planOf(
        await dryRun(
          `/api/v1/plugins/${base.pluginId}?dryRun=true`,
          upload(await zipPart({ name: base.name, version: "0.1.0" }), { method: "PUT" }),
        ),
      );
      expect(codes(older)).toEqual(["VERSION_NOT_NEWER"]);
    });

    it("an unknown plugin and a busy one answer as the real request does", async () => {
      const parts = await zipPart({ name: "x" });
      await expectProblem(
        await dryRun("/api/v1/plugins/plugin_nothing_abc123?dryRun=true", upload(parts, { method: "PUT" })),
        404,
        "PLUGIN_NOT_FOUND",
      );
    });
  });

  describe("state changes", () => {
    async function chain() {
      const base = await t.insertPlugin({ name: `plan-base-${Math.random().toString(36).slice(2, 6)}` });
      const dependent = await t.insertPlugin({
        name: `${base.name}-user`,
        dependencies: [{ name: base.name, version: "^1.0.0" }],
      });
      return { base, dependent };
    }

    for (const [type, method, suffix] of [
      ["disable", "POST", "/disable"],
      ["uninstall", "DELETE", ""],
    ] as const) {
      it(`${type}: the cascade, DEPENDENTS_EXIST without cascade=true; every node stops serving`, async () => {
        const { base, dependent } = await chain();
        const path = `/api/v1/plugins/${base.pluginId}${suffix}?dryRun=true`;
        const refused = await planOf(await dryRun(path, { method, json: {} }));
        expect(refused.dependencies.cascade.map((d) => d.pluginId)).toEqual([dependent.pluginId]);
        expect(codes(refused)).toEqual(["DEPENDENTS_EXIST"]);
        const cascaded = await planOf(await dryRun(`${path}&cascade=true`, { method, json: {} }));
        expect(cascaded).toMatchObject({ type, toVersion: null, blocked: [] });
        expect(cascaded.rollout?.steps[0]?.nodes).toEqual([{ nodeId: "test-node", serves: {} }]);
        // The body's { cascade: true } counts as the query's, as for the real request.
        expect((await planOf(await dryRun(path, { method, json: { cascade: true } }))).blocked).toEqual([]);
        // A dependent with a job in flight: the cascade would refuse it, as the job does.
        await expectJson(
          await call(t.app, `/api/v1/plugins/${dependent.pluginId}/config`, { method: "PUT", json: {} }),
          202,
        );
        const busy = await planOf(await dryRun(`${path}&cascade=true`, { method, json: {} }));
        expect(codes(busy)).toEqual(["OPERATION_IN_PROGRESS"]);
      });
    }

    it("enable: unmet dependencies; an enabled plugin changes nothing", async () => {
      const off = await t.insertPlugin({
        name: "plan-enable",
        status: PluginStatus.Disabled,
        dependencies: [{ name: "plan-gone", version: "^1.0.0" }],
      });
      const plan = await planOf(
        await dryRun(`/api/v1/plugins/${off.pluginId}/enable?dryRun=true`, { method: "POST", json: {} }),
      );
      expect(codes(plan)).toEqual(["DEPENDENCY_MISSING"]);
      expect(plan.fromVersion).toBeNull();
      const on = await t.insertPlugin({ name: "plan-enabled" });
      const same = await planOf(
        await dryRun(`/api/v1/plugins/${on.pluginId}/enable?dryRun=true`, { method: "POST", json: {} }),
      );
      expect(same).toMatchObject({ changed: false, blocked: [] });
    });

    it("configure: the keys the schema refuses are blocked (the real request is 422 with the same code)", async () => {
      const plugin = await t.insertPlugin({
        name: "plan-conf",
        configSchema: {
          type: "object",
          properties: { url: { type: "string" }, retries: { type: "integer" } },
          additionalProperties: false,
        },
      });
      const path = `/api/v1/plugins/${plugin.pluginId}/config`;
      const bad = { url: 42, retries: 3 };
      const plan = await planOf(await dryRun(`${path}?dryRun=true`, { method: "PUT", json: bad }));
      expect(codes(plan)).toEqual(["CONFIG_INVALID"]);
      expect(plan.config?.invalidKeys).toEqual(["url"]);
      const real = await expectProblem(await call(t.app, path, { method: "PUT", json: bad }), 422);
      expect(real.code).toBe(plan.blocked[0]?.code);
      const good = await planOf(await dryRun(`${path}?dryRun=true`, { method: "PUT", json: { url: "u" } }));
      expect(good).toMatchObject({ type: "configure", toVersion: "1.0.0", blocked: [] });
      expect(good).not.toHaveProperty("changed");
    });

    it("rollback: no earlier version is VERSION_NOT_FOUND, as the job would fail", async () => {
      const plugin = await t.insertPlugin({ name: "plan-rb" });
      const path = `/api/v1/plugins/${plugin.pluginId}/rollback?dryRun=true`;
      const plan = await planOf(await dryRun(path, { method: "POST", json: {} }));
      expect(codes(plan)).toEqual(["VERSION_NOT_FOUND"]);
      const asked = await planOf(await dryRun(path, { method: "POST", json: { version: "0.0.1" } }));
      expect(asked.blocked[0]?.message).toMatch(/0\.0\.1/);
    });

    it("bad input, unknown plugins and busy plugins get the same answer as the real request", async () => {
      const plugin = await t.insertPlugin({ name: "plan-errors" });
      const cases: [string, CallOptions][] = [
        ["/api/v1/plugins/plugin_none_zzzzzz/enable", { method: "POST", json: {} }],
        [`/api/v1/plugins/${plugin.pluginId}/rollback`, { method: "POST", json: { version: 5 } }],
        [`/api/v1/plugins/${plugin.pluginId}/config`, { method: "PUT", json: [1] }],
        [
          `/api/v1/plugins/${plugin.pluginId}/disable`,
          { method: "POST", body: "{", headers: { "content-type": "application/json" } },
        ],
      ];
      for (const [path, options] of cases) {
        const dry = await dryRun(`${path}?dryRun=true`, options);
        const real = await call(t.app, path, options);
        expect(dry.status, path).toBe(real.status);
        expect(((await dry.json()) as { code: string }).code, path).toBe(
          ((await real.json()) as { code: string }).code,
        );
      }
      // A job in flight: the real request and the dry run are both 409.
      const busy = await expectJson<{ jobId: string }>(
        await call(t.app, `/api/v1/plugins/${plugin.pluginId}/disable`, { method: "POST", json: {} }),
        202,
      );
      const dry = await expectProblem(
        await dryRun(`/api/v1/plugins/${plugin.pluginId}/enable?dryRun=true`, { method: "POST", json: {} }),
        409,
        "OPERATION_IN_PROGRESS",
      );
      expect(dry.inFlightJobId).toBe(busy.jobId);
    });

    it("an Idempotency-Key of an earlier job is not replayed: a dry run has no job", async () => {
      const plugin = await t.insertPlugin({ name: "plan-replay", status: PluginStatus.Disabled });
      const key = { "idempotency-key": "plan-replay-1" };
      const job = await expectJson<{ jobId: string; state: string }>(
        await call(t.app, `/api/v1/plugins/${plugin.pluginId}/enable`, {
          method: "POST",
          json: {},
          headers: key,
        }),
        202,
      );
      // Finished, so the plugin is idle again; the key would replay the job for a real request.
      await t.db.jobs.update(job.jobId, { state: "succeeded", finishedAt: new Date(), lockKey: null });
      const plan = await planOf(
        await dryRun(`/api/v1/plugins/${plugin.pluginId}/enable?dryRun=true`, {
          method: "POST",
          json: {},
          headers: key,
        }),
      );
      expect(plan.type).toBe("enable");
    });
  });
});
