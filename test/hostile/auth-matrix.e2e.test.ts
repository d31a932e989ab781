import { createHash, randomBytes } from "node:crypto";
import type { JobResource } from "@arcade/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { missingServices, type Platform, skipReason, usePlatform } from "../harness/index.js";
import { type Answer, answerOf } from "./lib/hostile-case.js";
import { FIXTURE_MANIFEST, uploadForm } from "./lib/hostile-platform.js";
import { manifestFor, pluginArchive } from "./lib/hostile-plugins.js";
import { captureState } from "./lib/state-snapshot.js";

// Every route of architecture §4 (the route contracts in packages/contracts/src/http) x
// { no token, a wrong token, viewer, operator, admin } against a running platform (1 API +
// 1 worker, SQLite + fs). Roles: viewer may GET (and validate a manifest, which changes
// nothing), operator may also enable, disable, configure and invoke, admin may do everything.
// A caller without a token or with a wrong one gets 401 UNAUTHORIZED, a role too low 403
// FORBIDDEN, and neither changes anything (same state comparison as the hostile suites). An
// allowed caller gets the route's success status; its mutations are waited for and succeed.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";

type Role = "viewer" | "operator" | "admin";
type Caller = "no token" | "wrong token" | Role;
const CALLERS: Caller[] = ["no token", "wrong token", "viewer", "operator", "admin"];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const TOKENS = { viewer: randomBytes(16).toString("hex"), operator: randomBytes(16).toString("hex") };

/** Plugins the allowed calls act on, installed before the matrix runs. */
interface Plugins {
  /** The one most calls read, configure and invoke. */
  main: string;
  /** Enabled and disabled back and forth. */
  toggle: string;
  /** Updated to a newer version (its name stays). */
  update: { id: string; name: string; next: () => string };
  /** Has 1.0.0 and 1.1.0: rolled back. */
  rollback: string;
  /** Uninstalled by an allowed caller; reinstalled for the next one. */
  doomed: () => Promise<string>;
  /** A job to read. */
  jobId: string;
}

interface Request {
  method: string;
  path: string;
  body?: NonNullable<RequestInit["body"]>;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  path: string;
  /** null: open to anyone. */
  role: Role | null;
  /** What an allowed caller gets (mutations with ?wait: 200 once the job finished). */
  ok: number;
  /** A mutation: an allowed call makes a job that must succeed. */
  job?: boolean;
  request(plugins: Plugins): Request | Promise<Request>;
}

const jsonBody = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { "content-type": "application/json" },
});

/** A fresh number on every call (plugin names, config values). */
const next = (() => {
  let n = 0;
  return () => {
    n += 1;
    return n;
  };
})();
const uniqueName = () => `auth-matrix-${next()}`;

const ROUTES: Route[] = [
  {
    method: "GET",
    path: "/healthz",
    role: null,
    ok: 200,
    request: () => ({ method: "GET", path: "/healthz" }),
  },
  {
    method: "GET",
    path: "/readyz",
    role: null,
    ok: 200,
    request: () => ({ method: "GET", path: "/readyz" }),
  },
  {
    method: "GET",
    path: "/metrics",
    // Issue 13: Prometheus sends a token (any role; a metrics-role token reads only this).
    role: "viewer",
    ok: 200,
    request: () => ({ method: "GET", path: "/metrics" }),
  },
  {
    method: "GET",
    path: "/plugins",
    role: "viewer",
    ok: 200,
    request: () => ({ method: "GET", path: `${API}/plugins` }),
  },
  {
    method: "GET",
    path: "/plugins/:pluginId",
    role: "viewer",
    ok: 200,
    request: (p) => ({ method: "GET", path: `${API}/plugins/${p.main}` }),
  },
  {
    method: "GET",
    path: "/plugins/:pluginId/config",
    role: "viewer",
    ok: 200,
    request: (p) => ({ method: "GET", path: `${API}/plugins/${p.main}/config` }),
  },
  {
    method: "GET",
    path: "/plugins/:pluginId/versions",
    role: "viewer",
    ok: 200,
    request: (p) => ({ method: "GET", path: `${API}/plugins/${p.main}/versions` }),
  },
  {
    method: "GET",
    path: "/plugins/metrics",
    role: "viewer",
    ok: 200,
    request: () => ({ method: "GET", path: `${API}/plugins/metrics` }),
  },
  {
    method: "POST",
    path: "/plugins/validate-manifest",
    role: "viewer",
    ok: 200,
    request: () => ({
      method: "POST",
      path: `${API}/plugins/validate-manifest`,
      ...jsonBody(manifestFor("auth-vm")),
    }),
  },
  {
    method: "GET",
    path: "/jobs",
    role: "viewer",
    ok: 200,
    request: () => ({ method: "GET", path: `${API}/jobs` }),
  },
  {
    method: "GET",
    path: "/jobs/:jobId",
    role: "viewer",
    ok: 200,
    request: (p) => ({ method: "GET", path: `${API}/jobs/${p.jobId}` }),
  },
  {
    method: "GET",
    path: "/cluster/nodes",
    role: "viewer",
    ok: 200,
    request: () => ({ method: "GET", path: `${API}/cluster/nodes` }),
  },
  {
    method: "POST",
    path: "/plugins/:pluginId/enable",
    role: "operator",
    ok: 200,
    job: true,
    request: (p) => ({ method: "POST", path: `${API}/plugins/${p.toggle}/enable?wait=30` }),
  },
  {
    method: "POST",
    path: "/plugins/:pluginId/disable",
    role: "operator",
    ok: 200,
    job: true,
    request: (p) => ({ method: "POST", path: `${API}/plugins/${p.toggle}/disable?wait=30` }),
  },
  {
    method: "PUT",
    path: "/plugins/:pluginId/config",
    role: "operator",
    ok: 200,
    job: true,
    request: (p) => ({
      method: "PUT",
      path: `${API}/plugins/${p.main}/config?wait=30`,
      ...jsonBody({ greeting: `hello${"x".repeat(next() % 5)}` }),
    }),
  },
  {
    method: "POST",
    path: "/plugins/:pluginId/actions/:action",
    role: "operator",
    ok: 200,
    request: (p) => ({
      method: "POST",
      path: `${API}/plugins/${p.main}/actions/execute`,
      ...jsonBody({ params: { n: 1 } }),
    }),
  },
  {
    method: "POST",
    path: "/plugins/install",
    role: "admin",
    ok: 200,
    job: true,
    request: () => ({
      method: "POST",
      path: `${API}/plugins/install?wait=30`,
      body: uploadForm(pluginArchive(uniqueName())),
    }),
  },
  {
    method: "PUT",
    path: "/plugins/:pluginId",
    role: "admin",
    ok: 200,
    job: true,
    request: (p) => ({
      method: "PUT",
      path: `${API}/plugins/${p.update.id}?wait=30`,
      body: uploadForm(pluginArchive(p.update.name, { manifest: { version: p.update.next() } })),
    }),
  },
  {
    method: "POST",
    path: "/plugins/:pluginId/rollback",
    role: "admin",
    ok: 200,
    job: true,
    request: (p) => ({
      method: "POST",
      path: `${API}/plugins/${p.rollback}/rollback?wait=30`,
      ...jsonBody({ version: "1.0.0" }),
    }),
  },
  {
    method: "DELETE",
    path: "/plugins/:pluginId",
    role: "admin",
    ok: 200,
    job: true,
    request: async (p) => ({ method: "DELETE", path: `${API}/plugins/${await p.doomed()}?wait=30` }),
  },
];

function authHeader(caller: Caller, adminToken: string): Record<string, string> {
  switch (caller) {
    case "no token":
      return {};
    case "wrong token":
      return { authorization: `Bearer ${randomBytes(16).toString("hex")}` };
    case "admin":
      return { authorization: `Bearer ${adminToken}` };
    default:
      return { authorization: `Bearer ${TOKENS[caller]}` };
  }
}

function expected(route: Route, caller: Caller): { status: number; code?: string } {
  if (route.role === null) return { status: route.ok };
  if (caller === "no token" || caller === "wrong token") return { status: 401, code: "UNAUTHORIZED" };
  return RANK[caller] >= RANK[route.role] ? { status: route.ok } : { status: 403, code: "FORBIDDEN" };
}

async function installWait(p: Platform, zip: Buffer): Promise<JobResource> {
  const accepted = await answerOf(
    await p.request(`${API}/plugins/install`, { method: "POST", body: uploadForm(zip) }),
  );
  if (!accepted.jobId) throw new Error(`install answered ${accepted.status}: ${accepted.text}`);
  const job = await p.waitJob(accepted.jobId);
  if (job.state !== "succeeded") throw new Error(`install failed: ${JSON.stringify(job.error)}`);
  return job;
}

describe.skipIf(missing.length > 0)(`auth matrix ${missing.length > 0 ? skipReason(missing) : ""}`, () => {
  const platform = usePlatform({
    apis: 1,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "auth-matrix",
    env: {
      ARCADE_AUTH_TOKENS: JSON.stringify([
        { name: "e2e-viewer", role: "viewer", token_sha256: sha256(TOKENS.viewer) },
        { name: "e2e-operator", role: "operator", token_sha256: sha256(TOKENS.operator) },
      ]),
    },
  });
  let plugins: Plugins;

  beforeAll(async () => {
    const p = platform();
    const main = await installWait(p, pluginArchive("auth-main", { manifest: FIXTURE_MANIFEST }));
    const toggle = await installWait(p, pluginArchive("auth-toggle"));
    const update = await installWait(p, pluginArchive("auth-update"));
    const rollback = await installWait(p, pluginArchive("auth-rollback"));
    const updated = await answerOf(
      await p.request(`${API}/plugins/${rollback.pluginId}?wait=30`, {
        method: "PUT",
        body: uploadForm(pluginArchive("auth-rollback", { manifest: { version: "1.1.0" } })),
      }),
    );
    if (updated.status !== 200) throw new Error(`preparing the rollback plugin: ${updated.text}`);
    plugins = {
      main: main.pluginId!,
      toggle: toggle.pluginId!,
      update: { id: update.pluginId!, name: "auth-update", next: () => `1.${next()}.0` },
      rollback: rollback.pluginId!,
      doomed: async () => (await installWait(p, pluginArchive(uniqueName()))).pluginId!,
      jobId: main.jobId,
    };
  });

  for (const route of ROUTES) {
    describe(`${route.method} ${route.path}`, () => {
      for (const caller of CALLERS) {
        const want = expected(route, caller);
        it(`${caller} -> ${want.status} ${want.code ?? ""}`, async () => {
          const p = platform();
          const request = await route.request(plugins);
          const denied = want.status === 401 || want.status === 403;
          const before = denied ? await captureState(p, [plugins.main, plugins.toggle]) : null;
          const res = await fetch(new URL(request.path, p.apis[0]!.url), {
            method: request.method,
            headers: { ...request.headers, ...authHeader(caller, p.token) },
            ...(request.body === undefined ? {} : { body: request.body }),
            signal: AbortSignal.timeout(60_000),
          });
          const answer: Answer = await answerOf(res);
          const seen = `${answer.status} ${answer.text.slice(0, 500)}`;
          expect(answer.status, seen).toBe(want.status);
          if (want.code) {
            expect(answer.contentType, seen).toMatch(/^application\/problem\+json/);
            expect(answer.code, seen).toBe(want.code);
            expect(await captureState(p, [plugins.main, plugins.toggle])).toEqual(before);
          } else if (route.job && route.role !== null) {
            const job = JSON.parse(answer.text) as JobResource;
            expect(job.state, seen).toBe("succeeded");
          }
        });
      }
    });
  }
});
