import { API_ROUTES, ProblemSchema } from "@arcade/contracts";
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { afterAll, beforeAll, expect, it } from "vitest";
import { call } from "../testing/http-helpers.js";
import { ROUTES } from "../testing/route-catalog.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";
import { honoPath } from "./contract-router.js";

// The schemas' formats (date-time, semver, ...) are documentation here: this checks shapes.
for (const format of ["date-time", "semver", "semver-range", "plugin-name"]) {
  if (!FormatRegistry.Has(format)) FormatRegistry.Set(format, () => true);
}

function checker(schema: TSchema) {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => [...check.Errors(value)].slice(0, 5).map((e) => `${e.path}: ${e.message}`);
}

/** The answers the app gives are what its contracts (and so the OpenAPI document) say. */
describeWithRedis("contract conformance: real answers match the route contracts", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const route of ROUTES) {
    const contract = API_ROUTES.find((r) => r.method === route.method && honoPath(r.path) === route.path);
    it(`${route.method} ${route.path}: the success body matches the contract`, async () => {
      expect(contract).toBeDefined();
      const { path, options } = await route.prepare(t);
      const res = await call(t.app, path, { ...options, method: route.method, role: "admin" });
      expect(contract?.ok.status).toContain(res.status);
      if (!contract?.ok.json) return;
      expect(checker(contract.ok.json)(await res.json())).toEqual([]);
    });
  }

  it("a problem body matches the Problem schema", async () => {
    const res = await call(t.app, "/api/v1/plugins?page=0", { role: "viewer" });
    expect(res.status).toBe(400);
    expect(checker(ProblemSchema)(await res.json())).toEqual([]);
  });
});
