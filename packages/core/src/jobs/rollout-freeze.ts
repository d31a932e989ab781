import type { NodeHeartbeat } from "../ports/node-presence.js";
import { formatDurationMs } from "../rollout/duration.js";
import { waitForNodes } from "./rollout-placement.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/** How often the live nodes are re-read while some have reached the freeze's revision but do not hold yet. */
export const FREEZE_POLL_MS = 50;

/** Which nodes acknowledged a two-phase freeze, and why the others did not. */
export interface FreezeAcknowledgement {
  expected: number;
  holding: string[];
  missing: { nodeId: string; error: string }[];
}

/**
 * Waits, within node.convergence_timeout of the freeze's revision, until every live node holds:
 * it reached the revision, still has the new version prepared beside the old one, and reports
 * `holding` for the plugin. A node reports that only once its calls in flight have finished (the
 * runtime's rule), so when this answers with nobody missing, no call of the old version runs
 * anywhere and none will start. A node that left the cluster meanwhile serves nothing: it is
 * not waited for.
 */
export async function waitForHolding(
  svc: JobServices,
  run: RolloutRun,
  revision: number,
): Promise<FreezeAcknowledgement> {
  const timeoutMs = svc.settings.convergenceTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const silence = `did not acknowledge the freeze within ${formatDurationMs(timeoutMs)} (node.convergence_timeout): calls in flight still running, or no answer`;
  // The acknowledgements the nodes push when they apply a revision end this wait at once.
  const nodes = await waitForNodes(svc, run, revision, () => run.toVersion);
  const missing = [...nodes.failed, ...nodes.pending.map((nodeId) => ({ nodeId, error: silence }))];
  let waiting = nodes.applied;
  const directory = svc.nodes;
  // Without a node directory only the revision can be checked (a worker without Redis runs no rollout).
  if (!directory) return { expected: nodes.expected, holding: waiting, missing };
  for (;;) {
    const live = new Map((await directory.listNodes()).map((n) => [n.nodeId, n]));
    waiting = waiting.filter((nodeId) => {
      const node = live.get(nodeId);
      return node !== undefined && !holds(node, run, revision);
    });
    if (waiting.length === 0) break;
    if (Date.now() >= deadline) {
      missing.push(...waiting.map((nodeId) => ({ nodeId, error: silence })));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, FREEZE_POLL_MS));
  }
  const held = nodes.applied.filter((id) => !missing.some((m) => m.nodeId === id));
  return { expected: nodes.expected, holding: held, missing };
}

/** The node applied the freeze: at its revision, the new version prepared, new calls held. */
function holds(node: NodeHeartbeat, run: RolloutRun, revision: number): boolean {
  if (node.appliedRevision < revision) return false;
  const entry = node.plugins.find((p) => p.pluginId === run.pluginId);
  return (
    entry?.holding === true && entry.serving !== undefined && Object.hasOwn(entry.serving, run.toVersion)
  );
}
