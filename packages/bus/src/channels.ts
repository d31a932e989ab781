import { AppError } from "@arcade/core";

/** Default Redis key prefix; one prefix per deployment (or per test suite). */
export const DEFAULT_PREFIX = "arcade";

/**
 * Every Redis name this package uses, derived from one prefix so deployments and
 * test suites sharing a Redis never see each other's traffic.
 */
export interface BusNames {
  /** The key prefix itself (part of what signed messages are bound to). */
  prefix: string;
  /** Pub/sub channel of PluginChangedEvent messages ("look now"). */
  pluginEvents: string;
  /** Sorted set of node ids (score: last heartbeat, ms) so listing needs no SCAN. */
  nodeIndex: string;
  /** Prefix of the per-node heartbeat keys; a key is `${nodeKeyPrefix}${nodeId}`. */
  nodeKeyPrefix: string;
  nodeKey(nodeId: string): string;
  /** Stream of node acknowledgements (signed node states, appended after each applied change). */
  nodeAcks: string;
  /** Prefix of the per-job event streams; a key is `${jobEventsPrefix}${jobId}`. */
  jobEventsPrefix: string;
  jobEvents(jobId: string): string;
}

export function busNames(prefix: string = DEFAULT_PREFIX): BusNames {
  if (prefix.length === 0 || /\s/.test(prefix)) {
    throw new AppError("VALIDATION_FAILED", `Redis prefix must be non-empty and without spaces: "${prefix}"`);
  }
  const nodeKeyPrefix = `${prefix}:nodes:`;
  const jobEventsPrefix = `${prefix}:job-events:`;
  return {
    prefix,
    pluginEvents: `${prefix}:plugin-events`,
    nodeIndex: `${prefix}:node-index`,
    nodeKeyPrefix,
    nodeKey: (nodeId) => `${nodeKeyPrefix}${nodeId}`,
    nodeAcks: `${prefix}:node-acks`,
    jobEventsPrefix,
    jobEvents: (jobId) => `${jobEventsPrefix}${jobId}`,
  };
}
