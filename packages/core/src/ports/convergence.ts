import type { ConvergenceNodes } from "@arcade/contracts";

/** The job result's `nodes`: applied, failed (with their errors), pending (honest convergence). */
export type NodesResult = ConvergenceNodes;

/** What one node answered about a revision, as it arrives. */
export interface NodeReport {
  nodeId: string;
  revision: number;
  outcome: "applied" | "failed";
  error?: string;
}

export interface WaitForRevisionOptions {
  revision: number;
  pluginId: string;
  /**
   * What the change asked for: the plugin loaded at this version (null or absent without
   * versionFor: the plugin gone, as after a disable or an uninstall). A node that reached the
   * revision applied the change only when it reports exactly that; if it reports the plugin in
   * error, or still another version, it failed, with its error.
   */
  version?: string | null;
  /** The artifact's SHA-256, checked where a node is expected to run `version`; null: not checked. */
  checksum?: string | null;
  /**
   * The version each node is expected to run when they differ (a canary step leaves some nodes
   * on the old version); null: that node should not run the plugin. Default: `version` for all.
   */
  versionFor?: (nodeId: string) => string | null;
  /** How long to wait for the live nodes; those that did not answer by then are `pending`. */
  timeoutMs: number;
  /** Called once per node as its answer arrives (the job pushes it as a live event). */
  onNode?: (report: NodeReport) => void;
}

/**
 * Waits (bounded) until the live nodes answer a revision, and says which applied it, which
 * failed and which did not answer. It only reports: whether the job succeeds is
 * convergenceOutcome's decision (core rollout/convergence.ts).
 */
export interface ConvergenceWaiter {
  waitForRevision(options: WaitForRevisionOptions): Promise<NodesResult>;
}
