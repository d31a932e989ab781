import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "./testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "./testing/test-app.js";
import { TOKENS } from "./testing/test-tokens.js";

describeWithRedis("the app as a whole", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe("probes", () => {
    it("/healthz is up, /readyz checks database, Redis and object store, /metrics (with a token) is Prometheus text", async () => {
      expect(await expectJson(await call(t.app, "/healthz", { role: null }), 200)).toEqual({ status: "ok" });
      const ready = await expectJson<{ status: string; checks: Record<string, { ok: boolean }> }>(
        await call(t.app, "/readyz", { role: null }),
        200,
      );
      expect(ready.status).toBe("ready");
      expect(Object.keys(ready.checks).sort()).toEqual(["database", "objectStore", "redis"]);
      const metrics = await call(t.app, "/metrics", { role: "viewer" });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    });
  });

  describe("404 and 405", () => {
    it.each([
      "/",
      "/api",
      "/api/v1",
      "/api/v2/plugins",
      "/api/v1/nothing",
      "/api/v1/plugins/a/b/c/d",
      "/api/v1/plugins/plugin_x_abc123/actions",
      "/api/v1/jobs/a/b",
      "/api/v1/cluster",
      "LONG",
      "/api/v1/%F0%9F%92%A5",
      "/api/v1/plugins/../../etc/passwd",
      "/%00",
    ])("GET %s: 404 NOT_FOUND, with or without a token", async (given) => {
      const path = given === "LONG" ? `/api/v1/${"x".repeat(20_000)}` : given;
      await expectProblem(await call(t.app, path), 404, "NOT_FOUND");
      await expectProblem(await call(t.app, path, { role: null }), 404, "NOT_FOUND");
    });

    it.each([
      ["DELETE", "/healthz", "GET, HEAD"],
      ["POST", "/readyz", "GET, HEAD"],
      ["PUT", "/metrics", "GET, HEAD"],
      ["POST", "/api/v1/plugins", "GET, HEAD"],
      ["DELETE", "/api/v1/plugins", "GET, HEAD"],
      ["GET", "/api/v1/plugins/install", "POST"],
      ["PUT", "/api/v1/plugins/install", "POST"],
      ["DELETE", "/api/v1/plugins/install", "POST"],
      ["GET", "/api/v1/plugins/validate-manifest", "POST"],
      ["PUT", "/api/v1/plugins/validate-manifest", "POST"],
      ["POST", "/api/v1/plugins/metrics", "GET, HEAD"],
      ["DELETE", "/api/v1/plugins/metrics", "GET, HEAD"],
      ["PATCH", "/api/v1/plugins/plugin_x_abc123", "GET, HEAD, PUT, DELETE"],
      ["POST", "/api/v1/plugins/plugin_x_abc123", "GET, HEAD, PUT, DELETE"],
      ["GET", "/api/v1/plugins/plugin_x_abc123/enable", "POST"],
      ["DELETE", "/api/v1/plugins/plugin_x_abc123/disable", "POST"],
      ["POST", "/api/v1/plugins/plugin_x_abc123/config", "GET, HEAD, PUT"],
      ["PUT", "/api/v1/plugins/plugin_x_abc123/versions", "GET, HEAD"],
      ["GET", "/api/v1/plugins/plugin_x_abc123/rollback", "POST"],
      ["GET", "/api/v1/plugins/plugin_x_abc123/actions/send", "POST"],
      ["POST", "/api/v1/jobs", "GET, HEAD"],
      ["DELETE", "/api/v1/jobs/some-job", "GET, HEAD"],
      ["POST", "/api/v1/cluster/nodes", "GET, HEAD"],
      ["OPTIONS", "/api/v1/plugins", "GET, HEAD"],
    ])("%s %s: 405 with Allow: %s, with or without a token", async (method, path, allow) => {
      for (const role of ["viewer", null] as const) {
        const res = await call(t.app, path, { method, role });
        expect(res.headers.get("allow")).toBe(allow);
        await expectProblem(res, 405, "METHOD_NOT_ALLOWED");
      }
    });

    it("HEAD works where GET does", async () => {
      const res = await call(t.app, "/api/v1/plugins", { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    });

    it("a trailing slash is the same route", async () => {
      expect((await call(t.app, "/api/v1/plugins/")).status).toBe(200);
      expect((await call(t.app, "/healthz/", { role: null })).status).toBe(200);
    });
  });

  describe("error bodies", () => {
    it("carry the request id, also as X-Request-Id; a sane caller id is kept, an insane one replaced", async () => {
      const mine = await call(t.app, "/api/v1/plugins/plugin_nobody_abc123", {
        headers: { "x-request-id": "trace-42" },
      });
      expect(mine.headers.get("x-request-id")).toBe("trace-42");
      expect((await expectProblem(mine, 404)).requestId).toBe("trace-42");
      const weird = await call(t.app, "/api/v1/plugins/plugin_nobody_abc123", {
        headers: { "x-request-id": "a b\u00ff" },
      });
      const body = await expectProblem(weird, 404);
      expect(body.requestId).not.toBe("a b\u00ff");
      expect(weird.headers.get("x-request-id")).toBe(body.requestId);
    });

    it("success responses carry X-Request-Id too", async () => {
      const res = await call(t.app, "/api/v1/plugins");
      expect(res.headers.get("x-request-id")).toMatch(/.+/);
    });
  });
});

describeWithRedis("rate limiting", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimitPerMinute: 5 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("the N+1th request of a caller within the minute is 429 RATE_LIMITED with Retry-After", async () => {
    for (let i = 0; i < 5; i += 1)
      expect((await call(t.app, "/api/v1/plugins", { role: "viewer" })).status).toBe(200);
    const res = await call(t.app, "/api/v1/plugins", { role: "viewer" });
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    const body = await expectProblem(res, 429, "RATE_LIMITED");
    expect(body.retryAfter).toBe(retryAfter);
  });

  it("callers have separate budgets, and probes are never limited", async () => {
    expect((await call(t.app, "/api/v1/plugins", { role: "operator" })).status).toBe(200);
    for (let i = 0; i < 10; i += 1) expect((await call(t.app, "/healthz", { role: null })).status).toBe(200);
  });

  it("a forged X-Forwarded-For does not buy a fresh budget", async () => {
    for (let i = 0; i < 5; i += 1) await call(t.app, "/api/v1/jobs", { role: "admin" });
    const res = await call(t.app, "/api/v1/jobs", {
      role: null,
      headers: { authorization: `Bearer ${TOKENS.admin}`, "x-forwarded-for": "203.0.113.9" },
    });
    await expectProblem(res, 429, "RATE_LIMITED");
  });
});
