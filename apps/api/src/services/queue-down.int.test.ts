import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { multipartBody, pluginZip } from "../testing/fixtures.js";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

/** A loopback port that nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

describeWithRedis("Redis down: mutations answer 503 and leave nothing half-done", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, enqueueTimeoutMs: 300 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a state mutation: 503 QUEUE_UNAVAILABLE with Retry-After; the row ends failed and frees the plugin", async () => {
    const p = await t.insertPlugin();
    const res = await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(res, 503, "QUEUE_UNAVAILABLE");
    const { items } = await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: "disable",
      state: "failed",
      lockKey: null,
      error: { code: "QUEUE_UNAVAILABLE" },
    });
    expect(items[0]?.finishedAt).toBeInstanceOf(Date);
    // Not 409: the failed row holds no lock.
    await expectProblem(
      await call(t.app, `/api/v1/plugins/${p.pluginId}/disable`, { method: "POST" }),
      503,
      "QUEUE_UNAVAILABLE",
    );
  });

  it("an install: 503, the row ends failed, and the staged upload is deleted", async () => {
    const { body, contentType } = multipartBody([
      { name: "source", value: "local" },
      { name: "file", value: await pluginZip(), filename: "p.zip" },
    ]);
    await expectProblem(
      await call(t.app, "/api/v1/plugins/install", {
        method: "POST",
        body,
        headers: { "content-type": contentType },
      }),
      503,
      "QUEUE_UNAVAILABLE",
    );
    expect(await t.stagingLeftovers()).toEqual([]);
    const { items } = await t.db.jobs.list({ type: "install", page: 1, pageSize: 10 });
    expect(items.map((o) => o.state)).toEqual(["failed"]);
    const job = await expectJson<{ state: string; error: { code: string } }>(
      await call(t.app, `/api/v1/jobs/${items[0]?.jobId}`),
      200,
    );
    expect(job).toMatchObject({ state: "failed", error: { code: "QUEUE_UNAVAILABLE" } });
  });

  it("a retry with the same Idempotency-Key tries again instead of replaying the failure", async () => {
    const p = await t.insertPlugin();
    const headers = { "idempotency-key": "retry-me" };
    for (let i = 0; i < 2; i += 1) {
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/enable`, { method: "POST", headers }),
        503,
        "QUEUE_UNAVAILABLE",
      );
    }
    const { items } = await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 10 });
    expect(items).toHaveLength(2);
    expect(new Set(items.map((o) => o.jobId)).size).toBe(2);
  });

  it("reads still work, and /readyz says which dependency is down", async () => {
    expect((await call(t.app, "/api/v1/plugins", { role: "viewer" })).status).toBe(200);
    const ready = await expectJson<{ status: string; checks: Record<string, { ok: boolean }> }>(
      await call(t.app, "/readyz", { role: null }),
      503,
    );
    expect(ready).toMatchObject({
      status: "unavailable",
      checks: { redis: { ok: false }, database: { ok: true } },
    });
  });
});
