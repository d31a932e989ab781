import type { JobResource, RolloutRequest } from "@arcade/contracts";
import { buildPluginZip, type Platform } from "../harness/index.js";

/**
 * The plugin of the two-phase and A/B suites: its one action answers the version that served
 * the call and when the plugin itself started and finished serving it, on the machine's
 * monotonic clock (process.hrtime, shared by every process of this machine) and its wall
 * clock, so a test can order calls by the time the plugin served them, across nodes.
 */
export function servedAtSource(version: string, options: { initThrows?: string } = {}): string {
  return [
    `const VERSION = ${JSON.stringify(version)};`,
    "const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));",
    "export default {",
    options.initThrows
      ? `  async init() { throw new Error(${JSON.stringify(options.initThrows)}); },`
      : "  async init() {},",
    "  actions: {",
    "    async execute(params) {",
    "      const startHr = process.hrtime.bigint().toString();",
    "      const startMs = Date.now();",
    "      const workMs = Math.min(Math.max(Number(params?.workMs) || 0, 0), 60000);",
    "      if (workMs > 0) await sleep(workMs);",
    "      const endHr = process.hrtime.bigint().toString();",
    "      return { version: VERSION, startHr, endHr, startMs, endMs: Date.now(), pid: process.pid };",
    "    },",
    "  },",
    "  async cleanup() {},",
    "};",
    "",
  ].join("\n");
}

export function servedAtZip(name: string, version: string, options: { initThrows?: string } = {}) {
  return buildPluginZip({ name, version, source: servedAtSource(version, options) });
}

/** What the plugin answered for one call, as one client saw it. */
export interface ServedCall {
  node: number;
  caller: string | null;
  status: number;
  /** The version the plugin says served it (null when the call failed). */
  version: string | null;
  /** The host's view of who served it (ActionResult.version). */
  hostVersion: string | null;
  startHr: bigint | null;
  endHr: bigint | null;
  error: string | null;
}

interface ServedAnswer {
  version: string;
  startHr: string;
  endHr: string;
}

/** One call of the plugin's action on node `node`, with the caller key header when given. */
export async function callServed(
  p: Platform,
  node: number,
  pluginId: string,
  options: { workMs?: number; timeoutMs?: number; callerHeader?: string; caller?: string } = {},
): Promise<ServedCall> {
  const caller = options.caller ?? null;
  const headers = caller !== null && options.callerHeader ? { [options.callerHeader]: caller } : {};
  const body = {
    params: { workMs: options.workMs ?? 0 },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  try {
    const res = await p.call<{ result: ServedAnswer; version: string }>(
      "POST",
      `/api/v1/plugins/${encodeURIComponent(pluginId)}/actions/execute`,
      body,
      { apiIndex: node, headers },
    );
    if (res.status !== 200) {
      return {
        node,
        caller,
        status: res.status,
        version: null,
        hostVersion: null,
        startHr: null,
        endHr: null,
        error: res.text.slice(0, 300),
      };
    }
    const r = res.body.result;
    return {
      node,
      caller,
      status: 200,
      version: r.version,
      hostVersion: res.body.version,
      startHr: BigInt(r.startHr),
      endHr: BigInt(r.endHr),
      error: null,
    };
  } catch (error) {
    return {
      node,
      caller,
      status: 0,
      version: null,
      hostVersion: null,
      startHr: null,
      endHr: null,
      error: String(error),
    };
  }
}

/**
 * Concurrent clients, each calling one node in a loop (one call at a time) until stop() or
 * its bound of calls: a stream of calls that spans a rollout on every node.
 */
export class CallStream {
  readonly calls: ServedCall[] = [];
  private stopped = false;
  private readonly runners: Promise<void>[] = [];

  constructor(
    private readonly p: Platform,
    private readonly pluginId: string,
    private readonly options: { clientsPerNode: number; maxCallsPerClient: number; workMs: number },
  ) {}

  start(): this {
    for (let node = 0; node < this.p.apis.length; node += 1) {
      for (let c = 0; c < this.options.clientsPerNode; c += 1) this.runners.push(this.run(node));
    }
    return this;
  }

  /** Stops starting calls, waits for the ones in flight, and answers every call made. */
  async stop(): Promise<ServedCall[]> {
    this.stopped = true;
    await Promise.all(this.runners);
    return this.calls;
  }

  private async run(node: number): Promise<void> {
    for (let n = 0; n < this.options.maxCallsPerClient && !this.stopped; n += 1) {
      this.calls.push(await callServed(this.p, node, this.pluginId, { workMs: this.options.workMs }));
    }
  }
}

/** PUT /plugins/:id with a zip and a `rollout` member (a multipart field holding its JSON); answers the job. */
export async function updateWithRollout(
  p: Platform,
  pluginId: string,
  zip: Uint8Array,
  rollout: RolloutRequest,
): Promise<JobResource> {
  const res = await p.updateZip(pluginId, zip, { fields: { rollout: JSON.stringify(rollout) } });
  if (res.status !== 202) throw new Error(`update answered ${res.status}: ${res.text.slice(0, 500)}`);
  return res.body;
}

/** GET /jobs/:id (200 expected). */
export async function getJob(p: Platform, jobId: string): Promise<JobResource> {
  const res = await p.call<JobResource>("GET", `/api/v1/jobs/${encodeURIComponent(jobId)}`);
  if (res.status !== 200)
    throw new Error(`GET /jobs/${jobId} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body;
}

/** Compact description of calls for failure messages. */
export function describeCalls(calls: readonly ServedCall[], limit = 5): string {
  return JSON.stringify(
    calls.slice(0, limit).map((c) => ({
      ...c,
      startHr: c.startHr?.toString() ?? null,
      endHr: c.endHr?.toString() ?? null,
    })),
  );
}

/**
 * Waits until every node answers the plugin's action with `version` (a job may end with a node
 * still loading: honest convergence reports it pending, and it catches up by itself).
 */
export async function waitServing(p: Platform, pluginId: string, version: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answers = await Promise.all(p.apis.map((_, node) => callServed(p, node, pluginId)));
    if (answers.every((a) => a.status === 200 && a.version === version)) return;
    if (Date.now() >= deadline) {
      throw new Error(`not every node serves ${pluginId} ${version}: ${describeCalls(answers)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
