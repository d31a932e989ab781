import {
  abortRollout,
  disablePlugin,
  docsAsset,
  docsPage,
  enablePlugin,
  getJob,
  getPlugin,
  getPluginConfig,
  healthz,
  installPlugin,
  invokeAction,
  jobEvents,
  listJobs,
  listNodes,
  listPlugins,
  listPluginVersions,
  loadedPlugins,
  metrics,
  openApiDocument,
  pauseRollout,
  promoteRollout,
  type RouteContract,
  readyz,
  resumeRollout,
  rollbackPlugin,
  setPluginConfig,
  uninstallPlugin,
  updatePlugin,
  validateManifest,
} from "@arcade/contracts";
import type { Role } from "../http/context.js";
import { honoPath } from "../http/contract-router.js";
import { multipartBody, pluginZip } from "./fixtures.js";
import type { CallOptions } from "./http-helpers.js";
import { rolloutJob } from "./rollout-job.js";
import type { TestApp } from "./test-app.js";
import { bearer } from "./test-tokens.js";

/**
 * Every route of the API (its contracts in @arcade/contracts), with how to make a request that
 * succeeds for an allowed caller. Method, path and the least role come from the contract;
 * `prepare` builds fresh state per call, because a mutation leaves its plugin busy (409) for
 * the next one.
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

/** Method, path (as the router writes it) and least role, from the route's contract. */
function of(route: RouteContract): Pick<RouteCase, "method" | "path" | "role"> {
  const role = route.access === "public" ? null : route.access === "metrics" ? "viewer" : route.access;
  return { method: route.method, path: honoPath(route.path), role };
}

export const ROUTES: RouteCase[] = [
  { ...of(healthz), okStatus: 200, prepare: get(async () => "/healthz") },
  { ...of(readyz), okStatus: 200, prepare: get(async () => "/readyz") },
  { ...of(metrics), okStatus: 200, prepare: get(async () => "/metrics") },
  {
    ...of(listPlugins),
    okStatus: 200,
    prepare: get(async () => "/api/v1/plugins"),
  },
  {
    ...of(getPlugin),
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}`),
  },
  {
    ...of(installPlugin),
    okStatus: 202,
    prepare: async () => ({ path: "/api/v1/plugins/install", options: await zipUpload() }),
  },
  {
    ...of(updatePlugin),
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}`,
      options: await zipUpload(),
    }),
  },
  {
    ...of(uninstallPlugin),
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}`),
  },
  {
    ...of(enablePlugin),
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/enable`),
  },
  {
    ...of(disablePlugin),
    okStatus: 202,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/disable`),
  },
  {
    ...of(getPluginConfig),
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/config`),
  },
  {
    ...of(setPluginConfig),
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/config`,
      options: { json: { greeting: "hello" } },
    }),
  },
  {
    ...of(listPluginVersions),
    okStatus: 200,
    prepare: get(async (t) => `/api/v1/plugins/${(await plugin(t)).pluginId}/versions`),
  },
  {
    ...of(rollbackPlugin),
    okStatus: 202,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/rollback`,
      options: { json: { version: "1.0.0" } },
    }),
  },
  {
    ...of(invokeAction),
    okStatus: 200,
    prepare: async (t) => ({
      path: `/api/v1/plugins/${(await plugin(t)).pluginId}/actions/send`,
      options: { json: { params: { message: "hi" } } },
    }),
  },
  {
    ...of(loadedPlugins),
    okStatus: 200,
    prepare: get(async () => "/api/v1/plugins/metrics"),
  },
  {
    // Read-only (changes nothing), so a viewer may call it although it is a POST.
    ...of(validateManifest),
    okStatus: 200,
    prepare: async () => ({
      path: "/api/v1/plugins/validate-manifest",
      options: { json: { name: "x", version: "1.0.0", pluginType: "custom", entryPoint: "index.js" } },
    }),
  },
  {
    ...of(getJob),
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
    ...of(listJobs),
    okStatus: 200,
    prepare: get(async () => "/api/v1/jobs"),
  },
  {
    ...of(listNodes),
    okStatus: 200,
    prepare: get(async () => "/api/v1/cluster/nodes"),
  },
  // No worker in the test app: each command answers once its short wait for one is over.
  ...[pauseRollout, abortRollout, promoteRollout].map((route) => ({
    ...of(route),
    okStatus: 200,
    prepare: async (t: TestApp) => ({
      path: `/api/v1/jobs/${await rolloutJob(t)}/${route.path.split("/").pop()}`,
      options: { json: {} },
    }),
  })),
  {
    ...of(resumeRollout),
    okStatus: 200,
    prepare: async (t) => ({
      path: `/api/v1/jobs/${await rolloutJob(t, "paused")}/resume`,
      options: { json: {} },
    }),
  },
  { ...of(openApiDocument), okStatus: 200, prepare: get(async () => "/api/v1/openapi.json") },
  { ...of(docsPage), okStatus: 200, prepare: get(async () => "/docs") },
  { ...of(docsAsset), okStatus: 200, prepare: get(async () => "/docs/docs-init.js") },
];

/**
 * Routes not in ROUTES, with why: the test app has no live job events (503 for every allowed
 * caller); routes/job-events.int.test.ts covers that route over a real feed.
 */
export const NOT_IN_CATALOG: readonly RouteContract[] = [jobEvents];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}
