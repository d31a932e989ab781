import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { multipartBody, pluginZip } from "./testing/fixtures.js";
import { BASE } from "./testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "./testing/test-app.js";
import { TOKENS } from "./testing/test-tokens.js";

const SEGMENTS = [
  "api",
  "v1",
  "plugins",
  "jobs",
  "cluster",
  "nodes",
  "install",
  "metrics",
  "validate-manifest",
  "enable",
  "disable",
  "config",
  "versions",
  "rollback",
  "actions",
  "send",
  "healthz",
  "readyz",
  "..",
  ".",
  "%",
  "%00",
  "%2e%2e",
  "%2F",
  "%E0%A4%A",
  "%F0%9F%92%A5",
  "plugin_x_abc123",
];

/** Query values never include a positive wait: a queued job never finishes here, so it would only add sleep. */
const QUERY_KEYS = [
  "page",
  "pageSize",
  "status",
  "isEnabled",
  "pluginType",
  "source",
  "q",
  "state",
  "type",
  "pluginId",
  "cascade",
  "wait",
];
const QUERY_VALUES = [
  "0",
  "-1",
  "61",
  "abc",
  "",
  "true",
  "notify",
  "market",
  "%",
  "%ZZ",
  "1e309",
  "9".repeat(30),
];

/** The route table with the methods each route takes: most generated requests aim at a real handler. */
const ROUTE_TEMPLATES: [string, string[]][] = [
  ["/api/v1/plugins", ["GET"]],
  ["/api/v1/plugins/install", ["POST"]],
  ["/api/v1/plugins/validate-manifest", ["POST"]],
  ["/api/v1/plugins/metrics", ["GET"]],
  ["/api/v1/plugins/:id", ["GET", "PUT", "DELETE"]],
  ["/api/v1/plugins/:id/enable", ["POST"]],
  ["/api/v1/plugins/:id/disable", ["POST"]],
  ["/api/v1/plugins/:id/config", ["GET", "PUT"]],
  ["/api/v1/plugins/:id/versions", ["GET"]],
  ["/api/v1/plugins/:id/rollback", ["POST"]],
  ["/api/v1/plugins/:id/actions/send", ["POST"]],
  ["/api/v1/jobs", ["GET"]],
  ["/api/v1/jobs/:id", ["GET"]],
  ["/api/v1/cluster/nodes", ["GET"]],
];

const CONTENT_TYPES = [
  "application/json",
  "application/merge-patch+json",
  "multipart/form-data; boundary=fc-boundary",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "application/zip",
  "application/octet-stream",
  "text/plain",
  "application/x-www-form-urlencoded",
  ";;;",
];

describeWithRedis("property: no request, however odd, gets a 5xx", () => {
  let t: TestApp;
  let zip: Buffer;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ maxPluginSize: 64 * 1024 });
    zip = await pluginZip();
    for (let i = 0; i < 3; i += 1) ids.push((await t.insertPlugin()).pluginId);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("status < 500 and every error is problem+json", async () => {
    const segment = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...SEGMENTS) },
      { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }).map(encodeURIComponent) },
    );
    const randomPath = fc
      .tuple(fc.boolean(), fc.array(segment, { minLength: 0, maxLength: 6 }), fc.boolean())
      .map(([api, parts, slash]) => `${api ? "/api/v1/" : "/"}${parts.join("/")}${slash ? "/" : ""}`);
    const anyMethod = fc.constantFrom(
      "GET",
      "HEAD",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "PROPFIND",
      "X-WEIRD",
    );
    // Real routes with their own methods and real, unknown or absurd ids: where the handlers (not just the router) run.
    const routed = fc
      .tuple(fc.constantFrom(...ROUTE_TEMPLATES), fc.oneof(fc.constantFrom(...ids), segment))
      .chain(([[template, methods], id]) =>
        fc.constantFrom(...methods).map((m) => [m, template.replace(":id", id)] as const),
      );
    const target = fc.oneof(
      { weight: 4, arbitrary: routed },
      { weight: 1, arbitrary: fc.tuple(anyMethod, randomPath) },
    );
    const query = fc
      .array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.constantFrom(...QUERY_VALUES)), { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
    const auth = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          `Bearer ${TOKENS.admin}`,
          `Bearer ${TOKENS.operator}`,
          `Bearer ${TOKENS.viewer}`,
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom<string | null>(
          null,
          "Bearer",
          "Bearer \t",
          `Basic ${TOKENS.admin}`,
          "Bearer nope",
        ),
      },
    );
    const printable = fc.string({ minLength: 0, maxLength: 40 });
    const headers = fc.record(
      {
        authorization: auth,
        "content-type": fc.oneof(
          { weight: 3, arbitrary: fc.constant("application/json") },
          { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
          { weight: 1, arbitrary: printable },
        ),
        "idempotency-key": printable,
        "x-request-id": printable,
      },
      { requiredKeys: ["authorization"] },
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
      fc
        .tuple(fc.integer({ min: 1, max: 200_000 }), fc.boolean())
        .map(([depth, obj]) =>
          Buffer.from(`${obj ? '{"a":' : ""}${"[".repeat(depth)}${"]".repeat(depth)}${obj ? "}" : ""}`),
        ),
      fc.constant(null).map(() => zip),
      fc
        .array(
          fc.tuple(
            fc.constantFrom("source", "file", "marketId", "manifest", "version", "x"),
            fc.string({ maxLength: 20 }),
            fc.boolean(),
          ),
          {
            maxLength: 4,
          },
        )
        .map(
          (parts) =>
            multipartBody(
              parts.map(([name, value, asFile]) =>
                asFile ? { name, value: name === "file" ? zip : value, filename: "f.zip" } : { name, value },
              ),
              "fc-boundary",
            ).body,
        )
        .chain((full) =>
          fc
            .integer({ min: 0, max: full.length })
            .map((cut) => (cut % 3 === 0 ? full.subarray(0, cut) : full)),
        ),
    );

    await fc.assert(
      fc.asyncProperty(target, query, headers, body, async ([m, p], q, h, b) => {
        const init: RequestInit = {
          method: m,
          headers: Object.fromEntries(Object.entries(h).filter(([, v]) => v !== null)) as Record<
            string,
            string
          >,
        };
        if (b !== undefined && m !== "GET" && m !== "HEAD") init.body = b;
        let request: Request;
        try {
          request = new Request(`${BASE}${p}${q}`, init);
        } catch {
          return; // not a request a client could send (e.g. a header value fetch refuses)
        }
        const res = await t.app.request(request);
        const text = await res.text();
        expect(res.status, `${m} ${p}${q} -> ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400 && m !== "HEAD") {
          expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
          const problem = JSON.parse(text) as Record<string, unknown>;
          expect(problem.status).toBe(res.status);
          expect(problem.code).toMatch(/^[A-Z_]+$/);
          expect(typeof problem.title).toBe("string");
          expect(typeof problem.requestId).toBe("string");
        }
      }),
      { numRuns: 1000 },
    );

    // Whatever got through left only the staged uploads of jobs that are really queued.
    for (const key of (await t.store.list("staging/")).map((o) => o.key)) {
      const op = await t.db.jobs.get(key.slice("staging/".length));
      expect(op?.state, key).toBe("queued");
    }
    expect(await t.scratchLeftovers()).toEqual([]);
  });
});
