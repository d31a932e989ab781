import { type FieldError, LATENCY_BUCKETS_MS, type NodePluginState } from "@arcade/contracts";
import { AppError, type NodeHeartbeat } from "@arcade/core";

export type { NodeHeartbeat };

/** A live node as listed: the last heartbeat plus when it was written. */
export interface NodeInfo extends NodeHeartbeat {
  /** ISO time of the last heartbeat (clock of the writing node). */
  lastSeen: string;
}

const PLUGIN_STATES = new Set<NodePluginState["state"]>(["loaded", "error", "loading", "unloaded"]);

/**
 * Bounds of what one plugin's entry may carry, so a registry entry stays small: the versions
 * counted (a node keeps 8), the crash times of a quarantine (runtime.crash_loop_max is at most
 * 1000), and the length of a version or checksum.
 */
export const MAX_REPORTED_VERSIONS = 16;
export const MAX_QUARANTINE_CRASHES = 1000;
const MAX_TEXT = 256;

function isRevision(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function pluginErrors(plugins: unknown): FieldError[] {
  if (!Array.isArray(plugins)) return [{ path: "/plugins", message: "must be an array" }];
  const errors: FieldError[] = [];
  plugins.forEach((p: unknown, i) => {
    const entry = (typeof p === "object" && p !== null ? p : {}) as Record<string, unknown>;
    if (!isText(entry.pluginId)) errors.push({ path: `/plugins/${i}/pluginId`, message: "must be a string" });
    if (typeof entry.state !== "string" || !PLUGIN_STATES.has(entry.state as NodePluginState["state"])) {
      errors.push({ path: `/plugins/${i}/state`, message: "must be loaded, error, loading or unloaded" });
    }
    if (entry.counters !== undefined)
      errors.push(...countersErrors(entry.counters, `/plugins/${i}/counters`));
    if (entry.quarantined !== undefined && entry.quarantined !== null) {
      errors.push(...quarantineErrors(entry.quarantined, `/plugins/${i}/quarantined`));
    }
  });
  return errors;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isShortText(value: unknown): value is string {
  return isText(value) && value.length <= MAX_TEXT;
}

/** NodePluginState.counters: PluginVersionCounters[], one histogram entry per latency bucket. */
function countersErrors(value: unknown, path: string): FieldError[] {
  if (!Array.isArray(value) || value.length > MAX_REPORTED_VERSIONS) {
    return [{ path, message: `must be an array of at most ${MAX_REPORTED_VERSIONS} versions' counters` }];
  }
  const errors: FieldError[] = [];
  value.forEach((c: unknown, j) => {
    const at = `${path}/${j}`;
    const entry = (typeof c === "object" && c !== null ? c : {}) as Record<string, unknown>;
    if (!isShortText(entry.version)) errors.push({ path: `${at}/version`, message: "must be a version" });
    for (const key of ["loadFailures", "crashes", "calls", "errors"]) {
      if (!isCount(entry[key]))
        errors.push({ path: `${at}/${key}`, message: "must be a non-negative integer" });
    }
    const latency = entry.latency;
    if (
      !Array.isArray(latency) ||
      latency.length !== LATENCY_BUCKETS_MS.length + 1 ||
      !latency.every(isCount)
    ) {
      errors.push({
        path: `${at}/latency`,
        message: `must be ${LATENCY_BUCKETS_MS.length + 1} non-negative integers (LATENCY_BUCKETS_MS and one more)`,
      });
    }
  });
  return errors;
}

/** NodePluginState.quarantined: a QuarantineReport. */
function quarantineErrors(value: unknown, path: string): FieldError[] {
  if (typeof value !== "object" || Array.isArray(value))
    return [{ path, message: "must be an object or null" }];
  const q = value as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (!isShortText(q.version)) errors.push({ path: `${path}/version`, message: "must be a version" });
  if (!isShortText(q.checksum)) errors.push({ path: `${path}/checksum`, message: "must be a checksum" });
  if (!(q.fallbackVersion === null || isShortText(q.fallbackVersion))) {
    errors.push({ path: `${path}/fallbackVersion`, message: "must be a version or null" });
  }
  if (
    !Array.isArray(q.crashes) ||
    q.crashes.length > MAX_QUARANTINE_CRASHES ||
    !q.crashes.every((t) => isShortText(t) && !Number.isNaN(Date.parse(t)))
  ) {
    errors.push({ path: `${path}/crashes`, message: `must be at most ${MAX_QUARANTINE_CRASHES} ISO times` });
  }
  if (!isShortText(q.at) || Number.isNaN(Date.parse(q.at))) {
    errors.push({ path: `${path}/at`, message: "must be an ISO time" });
  }
  return errors;
}

function heartbeatErrors(value: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  if (!isText(value.nodeId)) errors.push({ path: "/nodeId", message: "must be a non-empty string" });
  if (typeof value.host !== "string") errors.push({ path: "/host", message: "must be a string" });
  if (typeof value.pid !== "number") errors.push({ path: "/pid", message: "must be a number" });
  if (!isText(value.startedAt)) errors.push({ path: "/startedAt", message: "must be an ISO time" });
  if (!isRevision(value.appliedRevision)) {
    errors.push({ path: "/appliedRevision", message: "must be a non-negative integer" });
  }
  if (typeof value.version !== "string") errors.push({ path: "/version", message: "must be a string" });
  if (!(value.url === undefined || value.url === null || typeof value.url === "string")) {
    errors.push({ path: "/url", message: "must be a string or null" });
  }
  return [...errors, ...pluginErrors(value.plugins)];
}

/** Rejects a heartbeat that would publish garbage into the registry (a bug of the node). */
export function assertHeartbeat(state: NodeHeartbeat): void {
  const errors = heartbeatErrors(state as unknown as Record<string, unknown>);
  if (errors.length > 0) {
    throw new AppError("VALIDATION_FAILED", "Invalid node heartbeat", { errors });
  }
}

/** Parses a stored registry entry; null when it is not one (written by something else). */
export function parseNodeInfo(raw: string): NodeInfo | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (heartbeatErrors(record).length > 0) return null;
  if (typeof record.lastSeen !== "string" || Number.isNaN(Date.parse(record.lastSeen))) return null;
  return record as unknown as NodeInfo;
}
