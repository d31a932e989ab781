import type { ConvergenceNodes, RolloutBatch } from "@arcade/contracts";
import { waitForNodes, writePlacement } from "./rollout-placement.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/**
 * A `switch` batch (canary steps, a two-phase switch of every node): the batch's nodes run the
 * new version, the others keep the old one (an install: the others run nothing yet).
 */
export async function applySwitch(
  svc: JobServices,
  run: RolloutRun,
  batch: RolloutBatch,
): Promise<ConvergenceNodes> {
  const onNew = new Set(batch.nodes);
  const revision = await writePlacement(svc, run, { nodes: batch.nodes, alongside: null, hold: false });
  return waitForNodes(svc, run, revision, (nodeId) => (onNew.has(nodeId) ? run.toVersion : run.fromVersion));
}
