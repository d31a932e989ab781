import { createHash } from "node:crypto";
import type { JobResource } from "@arcade/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRY_SOURCE, manifestOf, multipartBody, type Part, pluginZip } from "../testing/fixtures.js";
import { type CallOptions, call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";
import { OTHER_ADMIN_TOKEN } from "../testing/test-tokens.js";

function upload(parts: Part[], extra: CallOptions = {}): CallOptions {
  const { body, contentType } = multipartBody(parts);
  return { method: "POST", ...extra, body, headers: { "content-type": contentType, ...extra.headers } };
}

async function zipParts(): Promise<Part[]> {
  return [
    { name: "source", value: "local" },
    { name: "file", value: await pluginZip(), filename: "plugin.zip" },
  ];
}

async function accepted(res: Response): Promise<JobResource> {
  const job = await expectJson<JobResource>(res, 202);
  expect(res.headers.get("location")).toBe(`/api/v1/jobs/${job.jobId}`);
  expect(job.state).toBe("queued");
  return job;
}

describeWithRedis("plugin mutations over real SQLite, object store and Redis", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The payload a queued job runs: the queue holds the job's id (named by its type), its row the payload. */
  async function queued(jobId: string): Promise<Record<string, unknown>> {
    const job = await t.producer.queue.getJob(jobId);
    expect(job, `job ${jobId} is in the queue`).toBeTruthy();
    const row = await t.db.jobs.get(jobId);
    expect(job!.name).toBe(row?.type);
    return row!.payload;
  }

  async function operationCount(pluginId?: string): Promise<number> {
    return (await t.db.jobs.list({ ...(pluginId ? { pluginId } : {}), page: 1, pageSize: 1 })).total;
  }

  describe("install", () => {
    it("a local zip: 202 + Location, staged under staging/{jobId} with its SHA-256, job enqueued", async () => {
      const zip = await pluginZip({ name: "install-local" });
      const job = await accepted(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "local" },
            { name: "file", value: zip, filename: "install-local.zip" },
          ]),
        ),
      );
      expect(job).toMatchObject({ type: "install", pluginId: null, requestedBy: "admin", error: null });
      const sha256 = createHash("sha256").update(zip).digest("hex");
      const head = await t.store.head(`staging/${job.jobId}`);
      expect(head).toMatchObject({ size: zip.length, sha256 });
      const payload = await queued(job.jobId);
      expect(payload).toMatchObject({
        requestedBy: "admin",
        artifact: {
          source: "local",
          staged: {
            key: `staging/${job.jobId}`,
            size: zip.length,
            sha256,
            kind: "zip",
            fileName: "install-local.zip",
          },
        },
      });
      const stored = await expectJson<JobResource>(await call(t.app, `/api/v1/jobs/${job.jobId}`), 200);
      expect(stored.jobId).toBe(job.jobId);
    });

    it("source is optional with a file (local is implied)", async () => {
      await accepted(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([{ name: "file", value: await pluginZip(), filename: "p.zip" }]),
        ),
      );
    });

    it("source=market: 202, the job payload names the market plugin, nothing is staged", async () => {
      const before = await t.stagingLeftovers();
      const job = await accepted(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "market" },
            { name: "marketId", value: "acme/slack" },
            { name: "version", value: "2.1.0" },
          ]),
        ),
      );
      expect(await queued(job.jobId)).toMatchObject({
        artifact: { source: "market", marketId: "acme/slack", version: "2.1.0" },
      });
      expect(await t.stagingLeftovers()).toEqual(before);
    });

    it("source=market without marketId, or with a file: 400 naming the field", async () => {
      const missing = await expectProblem(
        await call(t.app, "/api/v1/plugins/install", upload([{ name: "source", value: "market" }])),
        400,
        "VALIDATION_FAILED",
      );
      expect(missing.errors?.[0]?.path).toBe("/marketId");
      const withFile = await expectProblem(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "market" },
            { name: "marketId", value: "acme/x" },
            { name: "file", value: await pluginZip(), filename: "p.zip" },
          ]),
        ),
        400,
        "VALIDATION_FAILED",
      );
      expect(withFile.errors?.[0]?.path).toBe("/file");
    });

    it("a marketId the job schema refuses (too long) is a 400 that leaves no operation row", async () => {
      const before = await operationCount();
      await expectProblem(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "market" },
            { name: "marketId", value: "m".repeat(300) },
          ]),
        ),
        400,
        "VALIDATION_FAILED",
      );
      expect(await operationCount()).toBe(before);
    });

    it("one .mjs file plus a manifest field: 202, kind module, the manifest travels in the payload", async () => {
      const manifest = manifestOf({ name: "single-module" });
      const job = await accepted(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "local" },
            { name: "manifest", value: JSON.stringify(manifest) },
            { name: "file", value: ENTRY_SOURCE, filename: "index.mjs", contentType: "text/javascript" },
          ]),
        ),
      );
      expect(await queued(job.jobId)).toMatchObject({
        artifact: { source: "local", staged: { kind: "module", fileName: "index.mjs", manifest } },
      });
    });

    it("one .mjs file without a manifest field: 400 /manifest, nothing staged, no job", async () => {
      const before = { staged: await t.stagingLeftovers(), ops: await operationCount() };
      const body = await expectProblem(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "source", value: "local" },
            { name: "file", value: ENTRY_SOURCE, filename: "index.mjs" },
          ]),
        ),
        400,
        "VALIDATION_FAILED",
      );
      expect(body.errors?.[0]?.path).toBe("/manifest");
      expect(await t.stagingLeftovers()).toEqual(before.staged);
      expect(await operationCount()).toBe(before.ops);
    });

    it("a manifest field that is not JSON: 400 MALFORMED_JSON, nothing staged", async () => {
      const before = await t.stagingLeftovers();
      await expectProblem(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload([
            { name: "manifest", value: "{nope" },
            { name: "file", value: ENTRY_SOURCE, filename: "index.js" },
          ]),
        ),
        400,
        "MALFORMED_JSON",
      );
      expect(await t.stagingLeftovers()).toEqual(before);
    });

    it("bad field combinations are 400 VALIDATION_FAILED / MALFORMED_MULTIPART, and nothing stays staged", async () => {
      const before = await t.stagingLeftovers();
      const zip = await pluginZip();
      const cases: [Part[], string, string | undefined][] = [
        [[{ name: "source", value: "local" }], "VALIDATION_FAILED", "/file"],
        [[], "VALIDATION_FAILED", "/source"],
        [
          [
            { name: "source", value: "ftp" },
            { name: "file", value: zip, filename: "p.zip" },
          ],
          "VALIDATION_FAILED",
          "/source",
        ],
        [
          [
            { name: "source", value: "local" },
            { name: "source", value: "market" },
          ],
          "MALFORMED_MULTIPART",
          undefined,
        ],
        [[{ name: "plugin", value: zip, filename: "p.zip" }], "MALFORMED_MULTIPART", undefined],
        [
          [
            { name: "file", value: zip, filename: "a.zip" },
            { name: "file", value: zip, filename: "b.zip" },
          ],
          "MALFORMED_MULTIPART",
          undefined,
        ],
        [
          [
            { name: "file", value: zip, filename: "p.zip" },
            { name: "signature", value: "abc" },
          ],
          "VALIDATION_FAILED",
          "/signature",
        ],
      ];
      for (const [parts, code, path] of cases) {
        const body = await expectProblem(
          await call(t.app, "/api/v1/plugins/install", upload(parts)),
          400,
          code,
        );
        if (path) expect(body.errors?.[0]?.path).toBe(path);
      }
      expect(await t.stagingLeftovers()).toEqual(before);
    });

    it("a body that is not multipart: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      await expectProblem(
        await call(t.app, "/api/v1/plugins/install", {
          method: "POST",
          json: { source: "market", marketId: "x" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      await expectProblem(
        await call(t.app, "/api/v1/plugins/install", {
          method: "POST",
          body: "source=local",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      await expectProblem(
        await call(t.app, "/api/v1/plugins/install", { method: "POST" }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
    });
  });

  describe("update", () => {
    it("PUT with a zip: 202 update job for that plugin; allowDowngrade is passed on", async () => {
      const p = await t.insertPlugin();
      const job = await accepted(
        await call(
          t.app,
          `/api/v1/plugins/${p.pluginId}`,
          upload([...(await zipParts()), { name: "allowDowngrade", value: "true" }], { method: "PUT" }),
        ),
      );
      expect(job).toMatchObject({ type: "update", pluginId: p.pluginId });
      expect(await queued(job.jobId)).toMatchObject({
        pluginId: p.pluginId,
        allowDowngrade: true,
        artifact: { source: "local", staged: { key: `staging/${job.jobId}`, kind: "zip" } },
      });
    });

    it("PUT for an unknown plugin: 404 PLUGIN_NOT_FOUND, nothing staged", async () => {
      const before = await t.stagingLeftovers();
      await expectProblem(
        await call(
          t.app,
          "/api/v1/plugins/plugin_nobody_abc123",
          upload(await zipParts(), { method: "PUT" }),
        ),
        404,
        "PLUGIN_NOT_FOUND",
      );
      expect(await t.stagingLeftovers()).toEqual(before);
    });
  });

  describe("uninstall, enable, disable, rollback", () => {
    it("DELETE: 202 uninstall; ?cascade=true reaches the payload; a bad cascade is 400", async () => {
      const p = await t.insertPlugin();
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}?cascade=perhaps`, { method: "DELETE" }),
        400,
        "VALIDATION_FAILED",
      );
      const job = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}?cascade=true`, { method: "DELETE" }),
      );
      expect(job).toMatchObject({ type: "uninstall", pluginId: p.pluginId });
      expect(await queued(job.jobId)).toMatchObject({ pluginId: p.pluginId, cascade: true });
    });

    it("enable and disable: 202 with the job type; unknown plugin 404", async () => {
      for (const type of ["enable", "disable"] as const) {
        const p = await t.insertPlugin();
        const job = await accepted(
          await call(t.app, `/api/v1/plugins/${p.pluginId}/${type}`, { method: "POST" }),
        );
        expect(job).toMatchObject({ type, pluginId: p.pluginId, requestedBy: "admin" });
        expect(await queued(job.jobId)).toMatchObject({ pluginId: p.pluginId });
        await expectProblem(
          await call(t.app, `/api/v1/plugins/plugin_ghost_zzzzzz/${type}`, { method: "POST" }),
          404,
          "PLUGIN_NOT_FOUND",
        );
      }
    });

    it("rollback: 202 with the version (or none: previous); a version that is not a string is 400", async () => {
      const p = await t.insertPlugin();
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/rollback`, { method: "POST", json: { version: 1 } }),
        400,
        "VALIDATION_FAILED",
      );
      const job = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/rollback`, {
          method: "POST",
          json: { version: "0.9.0" },
        }),
      );
      expect(await queued(job.jobId)).toMatchObject({ pluginId: p.pluginId, version: "0.9.0" });
      const q = await t.insertPlugin();
      const noVersion = await accepted(
        await call(t.app, `/api/v1/plugins/${q.pluginId}/rollback`, { method: "POST" }),
      );
      expect(await queued(noVersion.jobId)).not.toHaveProperty("version");
    });

    it("a JSON body that is not an object, not JSON, or not JSON at all: 400 / 400 / 415", async () => {
      const p = await t.insertPlugin();
      const path = `/api/v1/plugins/${p.pluginId}/disable`;
      await expectProblem(
        await call(t.app, path, { method: "POST", json: [1, 2] }),
        400,
        "VALIDATION_FAILED",
      );
      await expectProblem(
        await call(t.app, path, {
          method: "POST",
          body: '{"cascade":',
          headers: { "content-type": "application/json" },
        }),
        400,
        "MALFORMED_JSON",
      );
      await expectProblem(
        await call(t.app, path, {
          method: "POST",
          body: "cascade=true",
          headers: { "content-type": "text/plain" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      expect(await operationCount(p.pluginId)).toBe(0);
    });
  });

  describe("config", () => {
    const schema = {
      type: "object",
      properties: {
        url: { type: "string", format: "uri" },
        retries: { type: "integer", minimum: 0, maximum: 5 },
        channel: { type: "string" },
      },
      required: ["url", "channel"],
      additionalProperties: false,
    };

    it("GET answers the stored config, else the default config", async () => {
      const p = await t.insertPlugin({
        configSchema: schema,
        defaultConfig: { url: "https://a.test", channel: "#x" },
      });
      expect(await expectJson(await call(t.app, `/api/v1/plugins/${p.pluginId}/config`), 200)).toEqual({
        url: "https://a.test",
        channel: "#x",
      });
      await t.db.plugins.transaction((tx) =>
        tx.setConfig(p.pluginId, { url: "https://b.test", channel: "#y" }),
      );
      expect(
        await expectJson(await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, { role: "viewer" }), 200),
      ).toEqual({
        url: "https://b.test",
        channel: "#y",
      });
    });

    it("PUT a valid config: 202 configure job carrying the config", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const config = { url: "https://hooks.test/x", channel: "#ops", retries: 2 };
      const job = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          role: "operator",
          json: config,
        }),
      );
      expect(job).toMatchObject({ type: "configure", pluginId: p.pluginId, requestedBy: "operator" });
      expect(await queued(job.jobId)).toMatchObject({ pluginId: p.pluginId, config });
    });

    it("PUT a config that breaks the schema: 422 CONFIG_INVALID listing every error, no job", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const body = await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { url: "not a url", retries: 9, extra: true },
        }),
        422,
        "CONFIG_INVALID",
      );
      const paths = (body.errors ?? []).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(["/url", "/retries", "/channel", "/extra"]));
      expect(await operationCount(p.pluginId)).toBe(0);
    });

    it("PUT a non-object, malformed JSON, a wrong content type: 400 / 400 / 415", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const path = `/api/v1/plugins/${p.pluginId}/config`;
      await expectProblem(await call(t.app, path, { method: "PUT", json: "text" }), 400, "VALIDATION_FAILED");
      await expectProblem(
        await call(t.app, path, {
          method: "PUT",
          body: "{'a':1}",
          headers: { "content-type": "application/json" },
        }),
        400,
        "MALFORMED_JSON",
      );
      await expectProblem(
        await call(t.app, path, {
          method: "PUT",
          body: "<a/>",
          headers: { "content-type": "application/xml" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
    });

    it("PUT a deeply nested config (a JSON bomb): 4xx, never 500, no job", async () => {
      const p = await t.insertPlugin();
      const depth = 100_000;
      const bomb = `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const res = await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
        method: "PUT",
        body: bomb,
        headers: { "content-type": "application/json" },
      });
      const problem = await expectProblem(res, 400, "VALIDATION_FAILED");
      expect(problem.errors?.[0]?.message).toMatch(/deeper/);
      expect(await operationCount(p.pluginId)).toBe(0);
    });

    it("a JSON body whose stream fails midway (client gone): 400, no job", async () => {
      const p = await t.insertPlugin();
      let n = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (n++ === 0) controller.enqueue(new TextEncoder().encode('{"greeting":'));
          else controller.error(new Error("socket hang up"));
        },
      });
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          body: stream,
          headers: { "content-type": "application/json" },
        }),
        400,
        "BAD_REQUEST",
      );
      expect(await operationCount(p.pluginId)).toBe(0);
    });

    it("a JSON body over the JSON limit: 413", async () => {
      const p = await t.insertPlugin();
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { blob: "x".repeat(1024 * 1024 + 10) },
        }),
        413,
        "PAYLOAD_TOO_LARGE",
      );
    });
  });

  describe("409 OPERATION_IN_PROGRESS", () => {
    it("every second mutation of a busy plugin answers 409 with inFlightJobId, before reading an upload", async () => {
      const p = await t.insertPlugin();
      const first = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST" }),
      );
      const stagedBefore = await t.stagingLeftovers();
      const attempts: [string, CallOptions][] = [
        [`/api/v1/plugins/${p.pluginId}/enable`, { method: "POST" }],
        [`/api/v1/plugins/${p.pluginId}/disable`, { method: "POST" }],
        [`/api/v1/plugins/${p.pluginId}/config`, { method: "PUT", json: {} }],
        [`/api/v1/plugins/${p.pluginId}/rollback`, { method: "POST" }],
        [`/api/v1/plugins/${p.pluginId}`, { method: "DELETE" }],
        [`/api/v1/plugins/${p.pluginId}`, upload(await zipParts(), { method: "PUT" })],
      ];
      for (const [path, options] of attempts) {
        const body = await expectProblem(await call(t.app, path, options), 409, "OPERATION_IN_PROGRESS");
        expect(body.inFlightJobId).toBe(first.jobId);
      }
      expect(await t.stagingLeftovers()).toEqual(stagedBefore);
      expect(await operationCount(p.pluginId)).toBe(1);
    });

    it("once the operation has finished, the plugin takes a new mutation", async () => {
      const p = await t.insertPlugin();
      const first = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST" }),
      );
      await t.db.jobs.update(first.jobId, { state: "succeeded", finishedAt: new Date() });
      await accepted(await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, { method: "POST" }));
    });

    it("other plugins are not blocked", async () => {
      const a = await t.insertPlugin();
      const b = await t.insertPlugin();
      await accepted(await call(t.app, `/api/v1/plugins/${a.pluginId}/disable`, { method: "POST" }));
      await accepted(await call(t.app, `/api/v1/plugins/${b.pluginId}/disable`, { method: "POST" }));
    });
  });

  describe("Idempotency-Key", () => {
    it("the same key from the same caller replays the same job (one row, one queued job)", async () => {
      const p = await t.insertPlugin();
      const headers = { "idempotency-key": "enable-once-1" };
      const first = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, { method: "POST", headers }),
      );
      const again = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, { method: "POST", headers }),
      );
      expect(again.jobId).toBe(first.jobId);
      expect(await operationCount(p.pluginId)).toBe(1);
    });

    it("an install replay stages nothing new", async () => {
      const headers = { "idempotency-key": "install-once-1" };
      const first = await accepted(
        await call(t.app, "/api/v1/plugins/install", upload(await zipParts(), { headers })),
      );
      const staged = await t.stagingLeftovers();
      const again = await accepted(
        await call(t.app, "/api/v1/plugins/install", upload(await zipParts(), { headers })),
      );
      expect(again.jobId).toBe(first.jobId);
      expect(await t.stagingLeftovers()).toEqual(staged);
    });

    it("the same key from another token is another job", async () => {
      const headers = { "idempotency-key": "shared-key-1" };
      const mine = await accepted(
        await call(t.app, "/api/v1/plugins/install", upload(await zipParts(), { headers })),
      );
      const theirs = await accepted(
        await call(
          t.app,
          "/api/v1/plugins/install",
          upload(await zipParts(), {
            role: null,
            headers: { ...headers, authorization: `Bearer ${OTHER_ADMIN_TOKEN}` },
          }),
        ),
      );
      expect(theirs.jobId).not.toBe(mine.jobId);
      expect(theirs.requestedBy).toBe("other-admin");
    });

    it("a replay wins over 409: the retried request gets its own job back", async () => {
      const p = await t.insertPlugin();
      const headers = { "idempotency-key": "retry-after-timeout" };
      const first = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST", headers }),
      );
      const again = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST", headers }),
      );
      expect(again.jobId).toBe(first.jobId);
    });

    it("a key reused for a different operation is 409 IDEMPOTENCY_KEY_REUSED, not the other job", async () => {
      const p = await t.insertPlugin();
      const q = await t.insertPlugin();
      const headers = { "idempotency-key": "reused-key" };
      await accepted(await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, { method: "POST", headers }));
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST", headers }),
        409,
        "IDEMPOTENCY_KEY_REUSED",
      );
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${q.pluginId}/enable`, { method: "POST", headers }),
        409,
        "IDEMPOTENCY_KEY_REUSED",
      );
    });

    it("a malformed key is 400 naming the header", async () => {
      const p = await t.insertPlugin();
      const body = await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, {
          method: "POST",
          headers: { "idempotency-key": "k".repeat(201) },
        }),
        400,
        "VALIDATION_FAILED",
      );
      expect(body.errors?.[0]?.path).toBe("/headers/idempotency-key");
    });
  });

  describe("?wait=N", () => {
    it("wait=1 answers 202 with the job still queued (no worker runs here)", async () => {
      const p = await t.insertPlugin();
      const job = await accepted(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/enable?wait=1`, { method: "POST" }),
      );
      expect(job.finishedAt).toBeNull();
      const install = await accepted(
        await call(t.app, "/api/v1/plugins/install?wait=1", upload(await zipParts())),
      );
      expect(install.state).toBe("queued");
    });

    it("answers 200 with the final job when it finishes within the wait", async () => {
      const p = await t.insertPlugin();
      const pending = call(t.app, `/api/v1/plugins/${p.pluginId}/disable?wait=30`, { method: "POST" });
      // Play the worker: finish the operation as soon as its row exists.
      let jobId: string | undefined;
      while (!jobId) {
        const { items } = await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 1 });
        jobId = items[0]?.jobId;
        if (!jobId) await new Promise((r) => setTimeout(r, 10));
      }
      const finishedAt = new Date();
      await t.db.jobs.update(jobId, {
        state: "succeeded",
        progress: 100,
        result: { version: "1.0.0" },
        finishedAt,
        updatedAt: finishedAt,
      });
      const job = await expectJson<JobResource>(await pending, 200);
      expect(job).toMatchObject({ jobId, state: "succeeded", progress: 100, result: { version: "1.0.0" } });
    });

    it.each(["61", "-1", "abc", "1.5", "1e1", "", "99999999999"])(
      "wait=%s: 400 VALIDATION_FAILED naming wait, no job",
      async (wait) => {
        const p = await t.insertPlugin();
        const res = await call(t.app, `/api/v1/plugins/${p.pluginId}/enable?wait=${wait}`, {
          method: "POST",
        });
        if (wait === "") {
          await accepted(res);
          return;
        }
        const body = await expectProblem(res, 400, "VALIDATION_FAILED");
        expect(body.errors?.[0]?.path).toBe("/wait");
        expect(await operationCount(p.pluginId)).toBe(0);
      },
    );

    it("wait=61 on an install: 400 before the upload is staged", async () => {
      const before = await t.stagingLeftovers();
      await expectProblem(
        await call(t.app, "/api/v1/plugins/install?wait=61", upload(await zipParts())),
        400,
        "VALIDATION_FAILED",
      );
      expect(await t.stagingLeftovers()).toEqual(before);
    });
  });
});
