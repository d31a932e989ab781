import type { Role } from "../http/context.js";
import { multipartBody, pluginZip } from "./fixtures.js";
import type { CallOptions } from "./http-helpers.js";
import type { TestApp } from "./test-app.js";
import { bearer } from "./test-tokens.js";

/**
 * Every route of architecture §4 (plus the unauthenticated probes), with the
 * least role it needs and how to make a request that succeeds for an allowed
 * caller. `prepare` builds fresh state per call, because a mutation leaves its
 * plugin busy (409) for the next one.
 */
export interface RouteCase {
  method: string;
  path: string;
  /** null: no token needed. */
  role: Role | null;
  okStatus: number;
  prepare(t: TestApp): Promise<{ path: string; options: CallOptions }>;
}

async function plugin(t: TestApp) {
  return t.insertPlugin({
    configSchema: { type: "object", properties: { greeting: { type: "string" } } },
  });
}

async function zipUpload(): Promise<CallOptions> {
  const { body, contentType } = multipartBody([
    { name: "source", value: "local" },
    { name: "file", value: await pluginZip(), filename: "plugin.zip" },
  ]);
  return { body, headers: { "content-type": contentType } };
}

const get =
  (path: (t: TestApp) => Promise<string>) =>
  async (t: TestApp): Promise<{ path: string; options: CallOptions }> => ({
    path: await path(t),
    options: {},
  });

export const ROUTES: RouteCase[] = [
  { method: "GET", path: "/healthz", role: null, okStatus: 200, prepare: get(async () => "/healthz") },
  { method: "GET", path: "/readyz", role: null, okStatus: 200, prepare: get(async () => "/readyz") },
  { method: "GET", path: "/metrics", role: "viewer", okStatus: 200, prepare: get(async () => "/metrics") },
  {
    method: "GET",
    path: "/api/v1/plugins",
    role: "viewer",
    okStatus: 200,
    prepare: get(async () => "/api/v1/plugins"),
  },
  {
    method: "GET",
    path: "/api/v1/plugins/:pluginId",
    role: "viewer",
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}`),
  },
  {
    method: "POST",
    path: "/api/v1/plugins/install",
    role: "admin",
    okStatus: 202,
    prepare: async () => ({ path: "/api/v1/plugins/install", options: await zipUpload() }),
  },
  {
    method: "PUT",
    path: "/api/v1/plugins/:pluginId",
    role: "admin",
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}`,
      options: await zipUpload(),
    }),
  },
  {
    method: "DELETE",
    path: "/api/v1/plugins/:pluginId",
    role: "admin",
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}`),
  },
  {
    method: "POST",
    path: "/api/v1/plugins/:pluginId/enable",
    role: "operator",
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/enable`),
  },
  {
    method: "POST",
    path: "/api/v1/plugins/:pluginId/disable",
    role: "operator",
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/disable`),
  },
  {
    method: "GET",
    path: "/api/v1/plugins/:pluginId/config",
    role: "viewer",
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/config`),
  },
  {
    method: "PUT",
    path: "/api/v1/plugins/:pluginId/config",
    role: "operator",
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/config`,
      options: { json: { greeting: "hello" } },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/plugins/:pluginId/versions",
    role: "viewer",
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/versions`),
  },
  {
    method: "POST",
    path: "/api/v1/plugins/:pluginId/rollback",
    role: "admin",
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/rollback`,
      options: { json: { version: "1.0.0" } },
    }),
  },
  {
    method: "POST",
    path: "/api/v1/plugins/:pluginId/actions/:action",
    role: "operator",
    okStatus: 200,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/actions/send`,
      options: { json: { params: { message: "hi" } } },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/plugins/metrics",
    role: "viewer",
    okStatus: 200,
    prepare: get(async () => "/api/v1/plugins/metrics"),
  },
  {
    // Read-only (changes nothing), so a viewer may call it although it is a POST.
    method: "POST",
    path: "/api/v1/plugins/validate-manifest",
    role: "viewer",
    okStatus: 200,
    prepare: async () => ({
      path: "/api/v1/plugins/validate-manifest",
      options: { json: { name: "x", version: "1.0.0", pluginType: "custom", entryPoint: "index.js" } },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/jobs/:jobId",
    role: "viewer",
    okStatus: 200,
    prepare: async (t) => {
      const p = await plugin(t);
      const res = await t.app.request(`http://localhost/api/v1/plugins/${p.pluginId}/enable`, {
        method: "POST",
        headers: bearer("admin"),
      });
      const { jobId } = (await res.json()) as { jobId: string };
      return { path: `/api/v1/jobs/${jobId}`, options: {} };
    },
  },
  {
    method: "GET",
    path: "/api/v1/jobs",
    role: "viewer",
    okStatus: 200,
    prepare: get(async () => "/api/v1/jobs"),
  },
  {
    method: "GET",
    path: "/api/v1/cluster/nodes",
    role: "viewer",
    okStatus: 200,
    prepare: get(async () => "/api/v1/cluster/nodes"),
  },
];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}
