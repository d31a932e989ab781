import { API_ROUTES, buildOpenApiDocument } from "@arcade/contracts";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { NOT_IN_CATALOG, ROUTES } from "../testing/route-catalog.js";
import { createStubApp } from "../testing/stub-app.js";
import { honoPath } from "./contract-router.js";

const BASE = "http://localhost";
const METHODS = ["get", "put", "post", "delete", "patch"];

/** `/api/v1/plugins/:pluginId` as OpenAPI writes it; a trailing slash is the same path (strict: false). */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/(.)\/$/, "$1");
}

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument({ version: "0.0.0" }) as {
    paths: Record<string, Record<string, unknown>>;
  };

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect((document as { openapi?: string }).openapi).toMatch(/^3\.1\./);
  });

  it("has every route of the app, and no route the app does not have", () => {
    // metricsText set: /metrics exists; the SSE route is mounted from routes/job-events.ts.
    const app = createStubApp();
    const served = new Set(
      app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(documented).toContain("GET /api/v1/jobs/{jobId}/events");
  });

  it("describes each route once, with a unique operationId", () => {
    const ids = API_ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = API_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("the auth matrix's route catalog has every route (or says why not)", () => {
    const catalog = [
      ...ROUTES.map((r) => `${r.method} ${r.path}`),
      ...NOT_IN_CATALOG.map((r) => `${r.method} ${honoPath(r.path)}`),
    ];
    expect(catalog.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${honoPath(r.path)}`).sort());
  });

  it("documents the SSE route as text/event-stream and errors as problem+json", () => {
    const events = document.paths["/api/v1/jobs/{jobId}/events"]?.get as {
      responses: Record<string, { content: Record<string, unknown> }>;
    };
    expect(Object.keys(events.responses["200"]?.content ?? {})).toEqual(["text/event-stream"]);
    expect(Object.keys(events.responses["404"]?.content ?? {})).toEqual(["application/problem+json"]);
  });
});

describe("GET /api/v1/openapi.json and /docs", () => {
  // Authentication on, no token configured: every /api/v1 resource route answers 401.
  const app = createStubApp({ auth: { disabled: false, tokens: [] } });
  const get = (path: string) => app.request(`${BASE}${path}`);

  it("serves the document without a token, with the headers of every answer", async () => {
    expect((await get("/api/v1/plugins")).status).toBe(401);
    const res = await get("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(body.paths)).toContain("/api/v1/plugins/{pluginId}");
  });

  it("/docs is a page of this server's files only, under a CSP that allows only self", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await res.text();
    // No external host: no scheme, no protocol-relative URL, no inline script.
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//);
      const file = await get(asset);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get("content-type")).toMatch(/^text\/(css|javascript)/);
      expect(file.headers.get("x-content-type-options")).toBe("nosniff");
      expect((await file.text()).length).toBeGreaterThan(0);
    }
    const init = await (await get("/docs/docs-init.js")).text();
    expect(init).toContain('"/api/v1/openapi.json"');
    expect(init).toContain("validatorUrl: null");
  });

  it("a file the page does not have is 404, a wrong method 405", async () => {
    const missing = await get("/docs/index.html");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    const wrong = await app.request(`${BASE}/api/v1/openapi.json`, { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
  });
});
