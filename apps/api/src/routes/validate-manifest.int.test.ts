import { afterAll, beforeAll, expect, it } from "vitest";
import { chunkedStream, makeZip, manifestOf, multipartBody, pluginZip } from "../testing/fixtures.js";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

const PATH = "/api/v1/plugins/validate-manifest";
const MAX = 64 * 1024;

interface Validation {
  valid: boolean;
  errors: { path: string; message: string }[];
  manifest: Record<string, unknown> | null;
}

describeWithRedis("POST /plugins/validate-manifest", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ maxPluginSize: MAX });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function nothingChanged(): Promise<void> {
    expect((await t.db.jobs.list({ page: 1, pageSize: 1 })).total).toBe(0);
    expect(await t.stagingLeftovers()).toEqual([]);
    expect(await t.scratchLeftovers()).toEqual([]);
  }

  it("a valid JSON manifest: { valid: true, errors: [], manifest }", async () => {
    const body = await expectJson<Validation>(
      await call(t.app, PATH, { method: "POST", json: manifestOf(), role: "viewer" }),
      200,
    );
    expect(body).toMatchObject({ valid: true, errors: [], manifest: { name: "fixture", version: "1.0.0" } });
    await nothingChanged();
  });

  it("an invalid JSON manifest: 200 { valid: false } with every error", async () => {
    const body = await expectJson<Validation>(
      await call(t.app, PATH, {
        method: "POST",
        json: manifestOf({ version: "one", pluginType: "toaster" }),
      }),
      200,
    );
    expect(body.valid).toBe(false);
    expect(body.manifest).toBeNull();
    expect(body.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["/version", "/pluginType"]));
  });

  it("JSON that is not an object (array, string, null) is just invalid, not an error", async () => {
    for (const json of [[1], "manifest", null]) {
      const body = await expectJson<Validation>(await call(t.app, PATH, { method: "POST", json }), 200);
      expect(body.valid).toBe(false);
    }
  });

  it("a raw zip body (application/zip): the manifest inside is validated", async () => {
    const res = await call(t.app, PATH, {
      method: "POST",
      body: await pluginZip({ name: "zipped" }),
      headers: { "content-type": "application/zip" },
    });
    expect(await expectJson<Validation>(res, 200)).toMatchObject({
      valid: true,
      manifest: { name: "zipped" },
    });
    await nothingChanged();
  });

  it("a zip whose manifest is invalid: 200 { valid: false }", async () => {
    const zip = await makeZip({
      "manifest.json": JSON.stringify(manifestOf({ version: "x.y" })),
      "index.mjs": "export default {}",
    });
    const body = await expectJson<Validation>(
      await call(t.app, PATH, {
        method: "POST",
        body: zip,
        headers: { "content-type": "application/octet-stream" },
      }),
      200,
    );
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.path)).toContain("/version");
    await nothingChanged();
  });

  it("a multipart zip (file part)", async () => {
    const { body, contentType } = multipartBody([
      { name: "file", value: await pluginZip({ name: "multi" }), filename: "p.zip" },
    ]);
    const res = await call(t.app, PATH, { method: "POST", body, headers: { "content-type": contentType } });
    expect(await expectJson<Validation>(res, 200)).toMatchObject({
      valid: true,
      manifest: { name: "multi" },
    });
    await nothingChanged();
  });

  it("a body that is not a zip: 422 ARCHIVE_INVALID", async () => {
    await expectProblem(
      await call(t.app, PATH, {
        method: "POST",
        body: "this is not a zip file",
        headers: { "content-type": "application/zip" },
      }),
      422,
      "ARCHIVE_INVALID",
    );
    const { body, contentType } = multipartBody([
      { name: "file", value: "PK not really", filename: "p.zip" },
    ]);
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body, headers: { "content-type": contentType } }),
      422,
      "ARCHIVE_INVALID",
    );
    await nothingChanged();
  });

  it("a zip without manifest.json: 422 MANIFEST_MISSING", async () => {
    const zip = await makeZip({ "index.mjs": "export default {}" });
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body: zip, headers: { "content-type": "application/zip" } }),
      422,
      "MANIFEST_MISSING",
    );
    await nothingChanged();
  });

  it("a JSON bomb (deep nesting): 4xx, never 500", async () => {
    const depth = 200_000;
    const res = await call(t.app, PATH, {
      method: "POST",
      body: `{"name":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await expectProblem(res, res.status);
  });

  it("malformed JSON 400, empty JSON 400, over-size JSON 413", async () => {
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body: "{", headers: { "content-type": "application/json" } }),
      400,
      "MALFORMED_JSON",
    );
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body: "", headers: { "content-type": "application/json" } }),
      400,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await call(t.app, PATH, { method: "POST", json: { description: "x".repeat(1024 * 1024 + 1) } }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("a zip over maxPluginSize: 413, no scratch file left (raw and multipart, chunked)", async () => {
    await expectProblem(
      await call(t.app, PATH, {
        method: "POST",
        body: chunkedStream(Buffer.alloc(0), MAX * 4),
        headers: { "content-type": "application/zip" },
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    const boundary = "----vm";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n`,
    );
    await expectProblem(
      await call(t.app, PATH, {
        method: "POST",
        body: chunkedStream(head, MAX * 4, Buffer.from(`\r\n--${boundary}--\r\n`)),
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    await nothingChanged();
  });

  it("malformed multipart: 400 MALFORMED_MULTIPART, no file part: 400, no scratch file left", async () => {
    const { body, contentType } = multipartBody([
      { name: "file", value: await pluginZip(), filename: "p.zip" },
    ]);
    await expectProblem(
      await call(t.app, PATH, {
        method: "POST",
        body: body.subarray(0, body.length - 50),
        headers: { "content-type": contentType },
      }),
      400,
      "MALFORMED_MULTIPART",
    );
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body, headers: { "content-type": "multipart/form-data" } }),
      400,
      "MALFORMED_MULTIPART",
    );
    const fieldsOnly = multipartBody([{ name: "note", value: "no file" }]);
    await expectProblem(
      await call(t.app, PATH, {
        method: "POST",
        body: fieldsOnly.body,
        headers: { "content-type": fieldsOnly.contentType },
      }),
      400,
      "VALIDATION_FAILED",
    );
    await nothingChanged();
  });

  it("an aborted body stream: 4xx and no scratch file left", async () => {
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n++ < 4) controller.enqueue(new Uint8Array(4096).fill(80));
        else controller.error(new Error("client went away"));
      },
    });
    const res = await call(t.app, PATH, {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/zip" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await nothingChanged();
  });

  it("other content types: 415", async () => {
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body: "name: x", headers: { "content-type": "text/yaml" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    await expectProblem(
      await call(t.app, PATH, { method: "POST", body: "x" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });
});
