import { afterAll, beforeAll, expect, it } from "vitest";
import { call, expectProblem } from "../testing/http-helpers.js";
import { ROUTES, roleAllows } from "../testing/route-catalog.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";
import { TOKENS } from "../testing/test-tokens.js";
import type { Role } from "./context.js";

const BAD_AUTH: [string, Record<string, string>][] = [
  ["no token", {}],
  ["an empty header", { authorization: "" }],
  ["a Basic header", { authorization: `Basic ${Buffer.from("admin:x").toString("base64")}` }],
  ["Bearer without a token", { authorization: "Bearer" }],
  ["two tokens", { authorization: `Bearer ${TOKENS.admin} ${TOKENS.admin}` }],
  ["the token without the scheme", { authorization: TOKENS.admin }],
  ["a wrong token", { authorization: "Bearer not-a-configured-token-123" }],
  ["a truncated token", { authorization: `Bearer ${TOKENS.admin.slice(0, -1)}` }],
  ["a token that is far too long", { authorization: `Bearer ${"x".repeat(5000)}` }],
];

describeWithRedis("auth matrix: every route x every kind of caller", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const route of ROUTES) {
    const name = `${route.method} ${route.path}`;

    if (route.role === null) {
      it(`${name} needs no token`, async () => {
        const { path, options } = await route.prepare(t);
        const res = await call(t.app, path, { ...options, method: route.method, role: null });
        expect(res.status).toBe(route.okStatus);
      });
      continue;
    }

    for (const [what, headers] of BAD_AUTH) {
      it(`${name} with ${what}: 401 UNAUTHORIZED`, async () => {
        const { path, options } = await route.prepare(t);
        const res = await call(t.app, path, { ...options, method: route.method, role: null, headers });
        await expectProblem(res, 401, "UNAUTHORIZED");
      });
    }

    for (const role of ["viewer", "operator", "admin"] as Role[]) {
      const allowed = roleAllows(role, route.role);
      it(`${name} as ${role}: ${allowed ? route.okStatus : "403 FORBIDDEN"}`, async () => {
        const { path, options } = await route.prepare(t);
        const res = await call(t.app, path, { ...options, method: route.method, role });
        if (allowed) {
          const text = await res.text();
          expect(res.status, text.slice(0, 300)).toBe(route.okStatus);
        } else {
          await expectProblem(res, 403, "FORBIDDEN");
        }
      });
    }
  }

  it("a lower-case scheme is accepted (RFC 9110: the scheme is case-insensitive)", async () => {
    const res = await call(t.app, "/api/v1/plugins", {
      role: null,
      headers: { authorization: `bearer ${TOKENS.viewer}` },
    });
    expect(res.status).toBe(200);
  });

  it("a 403 leaves no operation behind", async () => {
    const p = await t.insertPlugin();
    await expectProblem(
      await call(t.app, `/api/v1/plugins/${p.pluginId}`, { method: "DELETE", role: "operator" }),
      403,
    );
    const { total } = await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 10 });
    expect(total).toBe(0);
  });
});
