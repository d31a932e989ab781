import type { JobResource, NodePluginState, PluginResource, Problem } from "@arcade/contracts";
import type { JsonResponse, Platform } from "../harness/index.js";

/** What POST /plugins/:id/actions/:action answers (architecture §4). */
export interface ActionAnswer<R = unknown> {
  result: R;
  pluginId: string;
  version: string;
  node: string;
  durationMs: number;
}

/** One entry of GET /api/v1/cluster/nodes. */
export interface ClusterNode {
  nodeId: string;
  host: string;
  pid: number;
  appliedRevision: number;
  plugins: NodePluginState[];
  lastSeen: string;
}

/** One row of GET /api/v1/plugins/metrics (a node's loaded plugins). */
export interface MetricsRow {
  pluginId: string;
  name: string;
  type: string;
  version: string;
  path: string;
  description: string;
  state: string;
  error: string | null;
  lastSwapError: string | null;
  calls: number;
  errors: number;
  lastError: string | null;
  restarts: number;
  uptimeMs: number;
}

/** Invokes an action on the node behind apis[apiIndex]. */
export function invoke<R = unknown>(
  p: Platform,
  apiIndex: number,
  pluginId: string,
  action: string,
  params: unknown = {},
  timeoutMs?: number,
): Promise<JsonResponse<ActionAnswer<R> & Problem>> {
  const body = timeoutMs === undefined ? { params } : { params, timeoutMs };
  return p.call<ActionAnswer<R> & Problem>(
    "POST",
    `/api/v1/plugins/${encodeURIComponent(pluginId)}/actions/${encodeURIComponent(action)}`,
    body,
    { apiIndex },
  );
}

export async function clusterNodes(p: Platform, apiIndex = 0): Promise<ClusterNode[]> {
  const res = await p.call<ClusterNode[]>("GET", "/api/v1/cluster/nodes", undefined, { apiIndex });
  if (res.status !== 200)
    throw new Error(`GET /cluster/nodes answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body;
}

/** This plugin's state on the node `nodeId`, as the registry lists it; undefined when it has none. */
export function pluginOnNode(
  nodes: ClusterNode[],
  nodeId: string,
  pluginId: string,
): NodePluginState | undefined {
  return nodes.find((n) => n.nodeId === nodeId)?.plugins.find((pl) => pl.pluginId === pluginId);
}

export async function metrics(p: Platform, apiIndex = 0): Promise<MetricsRow[]> {
  const res = await p.call<MetricsRow[]>("GET", "/api/v1/plugins/metrics", undefined, { apiIndex });
  if (res.status !== 200)
    throw new Error(`GET /plugins/metrics answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body;
}

export async function pluginDetail(
  p: Platform,
  pluginId: string,
  apiIndex = 0,
): Promise<JsonResponse<PluginResource>> {
  return p.call<PluginResource>("GET", `/api/v1/plugins/${encodeURIComponent(pluginId)}`, undefined, {
    apiIndex,
  });
}

/** Submits a JSON mutation (enable, disable, config, rollback, uninstall) and waits for its job. */
export async function mutate(
  p: Platform,
  method: "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  apiIndex = 0,
): Promise<JobResource> {
  const res = await p.call<JobResource>(method, path, body, { apiIndex });
  if (res.status !== 202 && res.status !== 200) {
    throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return p.waitJob(res.body.jobId);
}

/** Installs (or, with pluginId, updates) a plugin zip and waits for the job; throws unless it succeeded. */
export async function uploadAndWait(
  p: Platform,
  zip: string | Uint8Array,
  options: { pluginId?: string; apiIndex?: number } = {},
): Promise<JobResource & { pluginId: string }> {
  const res = options.pluginId
    ? await p.updateZip(options.pluginId, zip, { apiIndex: options.apiIndex ?? 0 })
    : await p.installZip(zip, { apiIndex: options.apiIndex ?? 0 });
  if (res.status !== 202 && res.status !== 200) {
    throw new Error(`upload answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  const job = await p.waitJob(res.body.jobId);
  if (job.state !== "succeeded")
    throw new Error(`job ${job.jobId} ${job.state}: ${JSON.stringify(job.error)}`);
  const pluginId = job.pluginId;
  if (!pluginId) throw new Error(`job ${job.jobId} succeeded without a pluginId`);
  return { ...job, pluginId };
}
