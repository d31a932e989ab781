import type { FieldError, NodePluginState } from "@arcade/contracts";
import { AppError, type NodeHeartbeat } from "@arcade/core";

export type { NodeHeartbeat };

/** A live node as listed: the last heartbeat plus when it was written. */
export interface NodeInfo extends NodeHeartbeat {
  /** ISO time of the last heartbeat (clock of the writing node). */
  lastSeen: string;
}

const PLUGIN_STATES = new Set<NodePluginState["state"]>(["loaded", "error", "loading", "unloaded"]);

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
  });
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
