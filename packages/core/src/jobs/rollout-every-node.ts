import type { ConvergenceNodes } from "@arcade/contracts";
import { formatDurationMs } from "../rollout/duration.js";
import { waitForNodes } from "./rollout-placement.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/** Waits for every live node to run the new version (next to its own): pendingAsFailed over the wait. */
export async function waitForEveryNode(
  svc: JobServices,
  run: RolloutRun,
  revision: number,
): Promise<ConvergenceNodes> {
  const nodes = await waitForNodes(svc, run, revision, () => run.toVersion);
  return pendingAsFailed(
    nodes,
    `did not report ${run.toVersion} loaded within ${formatDurationMs(svc.settings.convergenceTimeoutMs)} (node.convergence_timeout)`,
  );
}

/**
 * A two-phase prepare and an A/B split need every live node: a node that did not answer within
 * node.convergence_timeout cannot take part in the switch (it has nothing prepared) or in the
 * split (it serves one version only), so it counts as a node that failed to load the new
 * version, with `reason` as its error. The driver then aborts the step (loadFailureVerdict).
 */
export function pendingAsFailed(nodes: ConvergenceNodes, reason: string): ConvergenceNodes {
  if (nodes.pending.length === 0) return nodes;
  const { degraded: _degraded, ...rest } = nodes;
  return {
    ...rest,
    failed: [...nodes.failed, ...nodes.pending.map((nodeId) => ({ nodeId, error: reason }))],
    pending: [],
  };
}
