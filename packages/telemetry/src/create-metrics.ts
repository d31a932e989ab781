import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface CreateMetricsOptions {
  /** Prefix of every metric name; default "arcade_". */
  prefix?: string;
  /** Also collect process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
}

export interface ArcadeMetrics {
  /** This process's own registry: serve `registry.metrics()` with `registry.contentType` at /metrics. */
  registry: Registry;
  httpRequestsTotal: Counter<"method" | "route" | "status">;
  httpRequestDurationSeconds: Histogram<"method" | "route" | "status">;
  /** state: queued | running | succeeded | failed. */
  jobsTotal: Counter<"type" | "state">;
  jobDurationSeconds: Histogram<"type">;
  /** step: fetch | verify | inspect | store | persist | activate. */
  jobStepDurationSeconds: Histogram<"step">;
  /** Plugins in this node's runtime by state (active, loading, error, ...). */
  pluginsLoaded: Gauge<"state">;
  /** outcome: ok | error | timeout. */
  pluginActionCallsTotal: Counter<"plugin" | "action" | "outcome">;
  pluginActionDurationSeconds: Histogram<"plugin" | "action">;
  /** reason: boot | event | gap | timer | reconnect; outcome: ok | error. */
  reconcileTotal: Counter<"reason" | "outcome">;
  /** The cluster revision this node has applied. */
  nodeAppliedRevision: Gauge;
}

const FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SLOW = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The platform's metrics in a registry of their own (never prom-client's global one):
 * two processes in one test run, or two apps in one process, cannot collide.
 */
export function createMetrics(options: CreateMetricsOptions = {}): ArcadeMetrics {
  const prefix = options.prefix ?? "arcade_";
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];

  return {
    registry,
    httpRequestsTotal: new Counter({
      name: `${prefix}http_requests_total`,
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpRequestDurationSeconds: new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: "Time to answer an HTTP request",
      labelNames: ["method", "route", "status"],
      buckets: FAST,
      registers,
    }),
    jobsTotal: new Counter({
      name: `${prefix}jobs_total`,
      help: "Plugin operation jobs by type and the state they reached",
      labelNames: ["type", "state"],
      registers,
    }),
    jobDurationSeconds: new Histogram({
      name: `${prefix}job_duration_seconds`,
      help: "Time from a job's start to its end",
      labelNames: ["type"],
      buckets: SLOW,
      registers,
    }),
    jobStepDurationSeconds: new Histogram({
      name: `${prefix}job_step_duration_seconds`,
      help: "Time of one step of a job",
      labelNames: ["step"],
      buckets: SLOW,
      registers,
    }),
    pluginsLoaded: new Gauge({
      name: `${prefix}plugins_loaded`,
      help: "Plugins in this node's runtime, by state",
      labelNames: ["state"],
      registers,
    }),
    pluginActionCallsTotal: new Counter({
      name: `${prefix}plugin_action_calls_total`,
      help: "Plugin action calls by plugin, action and outcome",
      labelNames: ["plugin", "action", "outcome"],
      registers,
    }),
    pluginActionDurationSeconds: new Histogram({
      name: `${prefix}plugin_action_duration_seconds`,
      help: "Time of one plugin action call",
      labelNames: ["plugin", "action"],
      buckets: FAST,
      registers,
    }),
    reconcileTotal: new Counter({
      name: `${prefix}reconcile_total`,
      help: "Reconcile runs of this node by what started them and how they ended",
      labelNames: ["reason", "outcome"],
      registers,
    }),
    nodeAppliedRevision: new Gauge({
      name: `${prefix}node_applied_revision`,
      help: "Cluster revision this node has applied",
      registers,
    }),
  };
}
