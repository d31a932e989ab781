import type { ConvergenceNodes, ConvergenceOutcome, FieldError, JobType } from "@arcade/contracts";
import { joinPointer } from "../schema/json-pointer.js";
import { formatDurationMs } from "./duration.js";

/** What one node answered about a change (a NodeReport of the ConvergenceWaiter port fits). */
export interface NodeAnswer {
  nodeId: string;
  outcome: "applied" | "failed";
  error?: string | undefined;
}

export interface ConvergenceSummary {
  nodes: ConvergenceNodes;
  /** Every expected node answered, or the timeout passed: `nodes` is final. */
  done: boolean;
}

/**
 * The honest `nodes` of a job: of the nodes that were live when the change was published
 * (`expected`), which applied it, which failed (with their error) and which have not answered
 * (pending). A node's latest answer counts (a retry may turn failed into applied); answers of
 * nodes not expected (joined later) are left out, since they reconcile on their own.
 * `degraded` is set once final, when some but not all applied.
 */
export function summarizeConvergence(
  expected: readonly string[],
  answers: readonly NodeAnswer[],
  wait: { elapsedMs: number; timeoutMs: number },
): ConvergenceSummary {
  const ids = [...new Set(expected)];
  const latest = new Map<string, NodeAnswer>();
  for (const answer of answers) if (ids.includes(answer.nodeId)) latest.set(answer.nodeId, answer);
  const applied: string[] = [];
  const failed: ConvergenceNodes["failed"] = [];
  const pending: string[] = [];
  for (const nodeId of ids) {
    const answer = latest.get(nodeId);
    if (!answer) pending.push(nodeId);
    else if (answer.outcome === "applied") applied.push(nodeId);
    else failed.push({ nodeId, error: answer.error || "failed without a reason" });
  }
  const done = pending.length === 0 || wait.elapsedMs >= wait.timeoutMs;
  const nodes: ConvergenceNodes = { expected: ids.length, applied, failed, pending };
  if (done && applied.length > 0 && applied.length < ids.length) nodes.degraded = true;
  return { nodes, done };
}

/**
 * How the job ends once the summary is final. Every node applied (or none was live):
 * succeeded. Some applied: succeeded, `degraded`. None applied: failed with PLUGIN_LOAD_FAILED
 * and each node's reason (a pending node's: no answer within node.convergence_timeout); a first
 * install is then rolled back, an update or rollback keeps the old version serving.
 */
export function convergenceOutcome(
  nodes: ConvergenceNodes,
  change: { type: JobType; name: string; version: string; timeoutMs: number },
): ConvergenceOutcome {
  if (nodes.expected === 0 || nodes.applied.length > 0) return { state: "succeeded", nodes };
  const silence = `no answer within ${formatDurationMs(change.timeoutMs)} (node.convergence_timeout)`;
  const errors: FieldError[] = [
    ...nodes.failed.map((f) => ({ path: joinPointer("/nodes", f.nodeId), message: f.error })),
    ...nodes.pending.map((nodeId) => ({ path: joinPointer("/nodes", nodeId), message: silence })),
  ];
  const counts = [
    nodes.failed.length > 0 ? `${nodes.failed.length} failed` : null,
    nodes.pending.length > 0 ? `${nodes.pending.length} did not answer` : null,
  ].filter((part) => part !== null);
  const recovery =
    change.type === "install"
      ? "roll-back-install"
      : change.type === "update" || change.type === "rollback"
        ? "keep-previous-version"
        : "none";
  return {
    state: "failed",
    nodes,
    recovery,
    error: {
      code: "PLUGIN_LOAD_FAILED",
      message: `no node could load ${change.name} ${change.version} (${nodes.expected} expected: ${counts.join(", ")})`,
      detail: DETAIL[recovery],
      errors,
      nodes,
    },
  };
}

const DETAIL: Record<"roll-back-install" | "keep-previous-version" | "none", string> = {
  "roll-back-install":
    "The install was rolled back. Each node's reason is in `errors`; fix the plugin and install it again.",
  "keep-previous-version":
    "The previous version keeps serving. Each node's reason is in `errors`; fix the version and update again.",
  none: "Each node's reason is in `errors`; check the nodes' logs for the plugin.",
};
