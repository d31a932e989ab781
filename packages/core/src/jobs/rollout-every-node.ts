import type { ConvergenceNodes } from "@arcade/contracts";

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
