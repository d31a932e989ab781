import { afterAll, beforeAll, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

describeWithRedis("node routes: actions, metrics, cluster (runtime faked: see test-app.ts)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("POST /plugins/:id/actions/:action answers { result, pluginId, version, node, durationMs }", async () => {
    const p = await t.insertPlugin({ version: "1.2.3" });
    const body = await expectJson<Record<string, unknown>>(
      await call(t.app, `/api/v1/plugins/${p.pluginId}/actions/send`, {
        method: "POST",
        role: "operator",
        json: { params: { message: "hi" }, timeoutMs: 2000 },
      }),
      200,
    );
    expect(body).toMatchObject({
      result: { echoed: { message: "hi" } },
      pluginId: p.pluginId,
      version: "1.2.3",
      node: "test-node",
    });
    expect(typeof body.durationMs).toBe("number");
  });

  it("an unknown plugin is 404 PLUGIN_NOT_FOUND; a known one that is not loaded is 409 PLUGIN_NOT_LOADED", async () => {
    await expectProblem(
      await call(t.app, "/api/v1/plugins/plugin_ghost_abc123/actions/send", { method: "POST", json: {} }),
      404,
      "PLUGIN_NOT_FOUND",
    );
    const off = await t.insertPlugin({ status: 0 });
    await expectProblem(
      await call(t.app, `/api/v1/plugins/${off.pluginId}/actions/send`, { method: "POST", json: {} }),
      409,
      "PLUGIN_NOT_LOADED",
    );
  });

  it("bad action names 404, bad timeoutMs 400, bad bodies 400/415", async () => {
    const p = await t.insertPlugin();
    const path = (action: string) => `/api/v1/plugins/${p.pluginId}/actions/${action}`;
    await expectProblem(await call(t.app, path("missing"), { method: "POST" }), 404, "ACTION_NOT_FOUND");
    await expectProblem(await call(t.app, path("no-dashes"), { method: "POST" }), 404, "ACTION_NOT_FOUND");
    await expectProblem(
      await call(t.app, path("x".repeat(200)), { method: "POST" }),
      404,
      "ACTION_NOT_FOUND",
    );
    for (const timeoutMs of [0, -5, 1.5, "10", 300_001]) {
      const body = await expectProblem(
        await call(t.app, path("send"), { method: "POST", json: { timeoutMs } }),
        400,
        "VALIDATION_FAILED",
      );
      expect(body.errors?.[0]?.path).toBe("/timeoutMs");
    }
    await expectProblem(
      await call(t.app, path("send"), { method: "POST", json: [] }),
      400,
      "VALIDATION_FAILED",
    );
    await expectProblem(
      await call(t.app, path("send"), {
        method: "POST",
        body: "{",
        headers: { "content-type": "application/json" },
      }),
      400,
      "MALFORMED_JSON",
    );
    await expectProblem(
      await call(t.app, path("send"), {
        method: "POST",
        body: "hi",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("GET /plugins/metrics is a bare array; GET /cluster/nodes lists nodes", async () => {
    const metrics = await expectJson<unknown[]>(
      await call(t.app, "/api/v1/plugins/metrics", { role: "viewer" }),
      200,
    );
    expect(Array.isArray(metrics)).toBe(true);
    const nodes = await expectJson<{ nodeId: string }[]>(
      await call(t.app, "/api/v1/cluster/nodes", { role: "viewer" }),
      200,
    );
    expect(nodes.map((n) => n.nodeId)).toEqual(["test-node"]);
  });
});
