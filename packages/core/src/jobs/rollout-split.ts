import type { ConvergenceNodes, RolloutBatch, RolloutState, VersionFigures } from "@arcade/contracts";
import { type CountersReading, figuresBetween } from "../rollout/figures.js";
import { sumFigures } from "../rollout/step-analysis.js";
import { waitForEveryNode } from "./rollout-every-node.js";
import { readCounters } from "./rollout-figures.js";
import { writePlacement } from "./rollout-placement.js";
import { type RolloutRun, saveRolloutState } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/*
 * A/B by traffic (docs/rollouts.md): every node loads the new version beside the installed one
 * and sends it the split's share of calls, sticky per caller key (the salt is the job id, so
 * each split shuffles callers anew). The job stays running, the rollout holding, with both
 * versions' figures side by side in `result.rollout.figures`, until an operator promotes (the
 * driver's finishRollout: every node on the new version) or aborts (the placement goes: the old
 * version only; the job fails ROLLOUT_ABORTED, since the update it was asked for did not happen).
 */

/** How often the figures of a holding split are refreshed (stored on the job and sent as a `rollout` event). */
export const SPLIT_FIGURES_MS = 3000;

/** How often a holding split looks for an operator's command (as the driver's holds do). */
export const SPLIT_POLL_MS = 300;

/** The share (percent) of calls the new version serves: the request's split names it (validateRolloutRequest). */
export function splitShare(run: RolloutRun): number {
  return run.request.split?.[run.toVersion] ?? 0;
}

/**
 * The `split` batch: the placement (the new version alongside with its share, the job id as
 * salt, the caller key header) with a revision bump in one transaction, then the wait for every
 * live node to report the new version loaded beside the old one. A node that failed or did not
 * answer comes back as `failed` (the driver aborts the rollout: a split must run on every node,
 * or the share it shows would not be the share served).
 */
export async function applySplit(
  svc: JobServices,
  run: RolloutRun,
  _batch: RolloutBatch,
): Promise<ConvergenceNodes> {
  const revision = await writePlacement(svc, run, {
    nodes: [],
    alongside: {
      share: splitShare(run),
      salt: run.jobId,
      callerKeyHeader: run.request.callerKeyHeader ?? null,
    },
    hold: false,
  });
  return waitForEveryNode(svc, run, revision);
}

/**
 * One turn of a holding split (the driver calls it instead of its timed hold): the split holds
 * until an operator's command, so there is no hold end. Every SPLIT_FIGURES_MS the figures of
 * both versions since `since` (the counters when the split was applied) are stored on the job
 * and published as a `rollout` event; otherwise it waits SPLIT_POLL_MS, so that the driver picks
 * up a command soon. Returns the state to go on with.
 */
export async function holdSplit(
  svc: JobServices,
  run: RolloutRun,
  state: RolloutState,
  since: readonly CountersReading[],
): Promise<RolloutState> {
  const now = svc.clock.now();
  const last = state.figures ? Date.parse(state.figures.at) : Number.NEGATIVE_INFINITY;
  if (now.getTime() - last < SPLIT_FIGURES_MS) {
    await new Promise((resolve) => setTimeout(resolve, SPLIT_POLL_MS));
    return state;
  }
  const versions = splitFigures(run, since, await readCounters(svc, run.pluginId));
  // No end to this hold: it lasts until promote or abort.
  const next: RolloutState = { ...state, holdUntil: null, figures: { at: now.toISOString(), versions } };
  await saveRolloutState(svc, run.jobId, next);
  return next;
}

/**
 * Each version's figures (calls, errors, error rate, p99 from the merged latency buckets, load
 * failures, crashes) summed over every node between two readings: the installed version first,
 * then the new one.
 */
export function splitFigures(
  run: Pick<RolloutRun, "fromVersion" | "toVersion">,
  before: readonly CountersReading[],
  after: readonly CountersReading[],
): VersionFigures[] {
  const versions = run.fromVersion === null ? [run.toVersion] : [run.fromVersion, run.toVersion];
  return versions.map((version) => sumFigures(version, figuresBetween(version, before, after)));
}
