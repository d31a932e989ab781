import type { ConvergenceNodes, RolloutBatch, RolloutPlacement } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { formatDurationMs } from "../rollout/duration.js";
import { advanceRollout } from "../rollout/rollout-machine.js";
import { joinPointer } from "../schema/json-pointer.js";
import { waitForEveryNode } from "./rollout-every-node.js";
import { type FreezeAcknowledgement, waitForHolding } from "./rollout-freeze.js";
import { finishRollout, rollBackRollout, writePlacement } from "./rollout-placement.js";
import { type RolloutRun, saveRolloutState, storedRollout } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/*
 * two-phase (docs/rollouts.md): no moment serves a mix of versions.
 *
 * 1. prepare: every node loads the new version beside the one it serves (`alongside`, share 0),
 *    runs its init and health-checks it, and keeps serving the old one. A node that cannot (or
 *    does not answer in time) aborts the rollout before anything served the new version: the
 *    driver judges it a load failure, removes the placement and fails the job ROLLOUT_ABORTED.
 * 2. switch: freeze (`hold`): every node queues new calls of the plugin, finishes those in
 *    flight, then acknowledges. Only once every node has, one transaction moves the plugin row
 *    to the new version and removes the placement (the driver's finishRollout): each node
 *    promotes the instance it prepared and releases the queued calls to it. So every call the old
 *    version answered was served before any call the new one answered. A node that does not
 *    acknowledge within node.convergence_timeout: the placement goes (every node releases its
 *    queued calls to the old version) and the job fails ROLLOUT_ABORTED.
 */

/** A prepared (with `hold`: frozen) two-phase placement: the new version loaded on every node, serving nothing. */
export function preparedPlacement(
  run: RolloutRun,
  hold: boolean,
): Pick<RolloutPlacement, "nodes" | "alongside" | "hold"> {
  return { nodes: [], alongside: { share: 0, salt: run.jobId, callerKeyHeader: null }, hold };
}

/**
 * The `prepare` batch: the placement (share 0) with a revision bump in one transaction, then
 * the wait for every live node to report the new version loaded (initialised and health-checked)
 * beside the old one. Failed and silent nodes come back as `failed`, each with its reason, which
 * the driver turns into an abort (ROLLOUT_ABORTED, the placement removed). Re-running it (a
 * resumed job) writes the same placement again: harmless.
 */
export async function applyPrepare(
  svc: JobServices,
  run: RolloutRun,
  _batch: RolloutBatch,
): Promise<ConvergenceNodes> {
  const revision = await writePlacement(svc, run, preparedPlacement(run, false));
  return waitForEveryNode(svc, run, revision);
}

/**
 * The `switch` batch of a two-phase rollout: freeze, wait until every node holds, then switch
 * every node at once with finishRollout (the driver's completion, which it runs again at the end:
 * idempotent). Freeze and switch happen inside one step so that nothing (an operator's pause)
 * can come between them. Once the plugin row has moved there is no going back: a node that then
 * fails to promote shows in the job's final `nodes` (honest convergence), not as a load failure
 * of this step, which would "roll back" a switch that has already happened.
 */
export async function applyTwoPhaseSwitch(
  svc: JobServices,
  run: RolloutRun,
  batch: RolloutBatch,
): Promise<ConvergenceNodes> {
  // A resumed job whose earlier attempt already switched (the row moved): only the end is left.
  const current = await svc.plugins.findById(run.pluginId);
  if (current?.version === run.toVersion && current.checksum === run.checksum) {
    return { ...(await finishRollout(svc, run)), failed: [] };
  }
  const revision = await writePlacement(svc, run, preparedPlacement(run, true));
  const frozen = await waitForHolding(svc, run, revision);
  if (frozen.missing.length > 0) return abortFreeze(svc, run, batch, frozen);
  run.logger.info({ step: batch.step, nodes: frozen.holding }, "two-phase: every node holds; switching");
  const switched = await finishRollout(svc, run);
  return { ...switched, failed: [] };
}

/**
 * A node did not acknowledge the freeze: unfreeze (the placement goes with a revision bump; each
 * node serves its queued calls with the old version), store the rollout as aborted and fail the
 * job ROLLOUT_ABORTED with each such node and its reason.
 */
async function abortFreeze(
  svc: JobServices,
  run: RolloutRun,
  batch: RolloutBatch,
  frozen: FreezeAcknowledgement,
): Promise<never> {
  await rollBackRollout(svc, run);
  const reason = `${frozen.missing.length} of ${frozen.expected} nodes did not acknowledge the freeze (hold) within ${formatDurationMs(svc.settings.convergenceTimeoutMs)} (node.convergence_timeout)`;
  const stored = storedRollout((await svc.jobs.get(run.jobId))?.result);
  const aborted = stored
    ? advanceRollout(stored, {
        type: "command",
        command: "abort",
        by: "analysis",
        reason,
        at: svc.clock.now(),
      })
    : null;
  if (aborted?.ok) await saveRolloutState(svc, run.jobId, aborted.state);
  run.logger.warn(
    { step: batch.step, missing: frozen.missing },
    "two-phase: freeze not acknowledged; unfrozen and aborted",
  );
  throw new AppError(
    "ROLLOUT_ABORTED",
    `the two-phase rollout of ${run.toVersion} was aborted at step ${batch.step} (switch): ${reason}`,
    {
      errors: frozen.missing.map((m) => ({ path: joinPointer("/nodes", m.nodeId), message: m.error })),
      detail: `No node switched: the freeze was lifted and ${run.fromVersion ?? "the old version"} serves every call, the held ones included. A node acknowledges once its calls in flight have finished: update again when no call runs longer than node.convergence_timeout.`,
      extras: aborted?.ok ? { rollout: aborted.state } : {},
    },
  );
}
