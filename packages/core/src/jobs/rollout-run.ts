import type {
  ConvergenceNodes,
  JobPayloads,
  JobResult,
  RolloutBatch,
  RolloutRequest,
  RolloutState,
} from "@arcade/contracts";
import { ROLLOUT_STATUSES } from "@arcade/contracts";
import type { Logger } from "../ports/logger.js";
import { emitJobEvent } from "./job-events.js";
import type { JobServices } from "./services.js";

/** One rollout as the driver and the strategies' batch functions see it (constant for the job). */
export interface RolloutRun {
  jobId: string;
  pluginId: string;
  op: "install" | "update";
  request: RolloutRequest;
  /** The version the plugin row names while the rollout runs; null on an install. */
  fromVersion: string | null;
  toVersion: string;
  checksum: string;
  /** What the job installs from (the plugin row's source and market id once the rollout completes). */
  payload: JobPayloads["install"] | JobPayloads["update"];
  logger: Logger;
}

/**
 * What one kind of batch does: make its nodes run what the batch says (a placement written with
 * a revision bump, rollout-placement.ts) and wait for them. `switch` is rollout-switch.ts;
 * `prepare` (two-phase) and `split` (A/B) live in their own files. Re-running it for the same
 * batch must be harmless: a resumed job applies its current step again.
 */
export type BatchApplier = (
  svc: JobServices,
  run: RolloutRun,
  batch: RolloutBatch,
) => Promise<ConvergenceNodes>;

/** The rollout state an earlier attempt stored on the job's result, if any (a resumed rollout). */
export function storedRollout(result: JobResult | null | undefined): RolloutState | null {
  const value = result?.rollout;
  if (typeof value !== "object" || value === null) return null;
  const state = value as Partial<RolloutState>;
  const known = (ROLLOUT_STATUSES as readonly unknown[]).includes(state.status);
  return known && Array.isArray(state.steps) && typeof state.toVersion === "string"
    ? (value as RolloutState)
    : null;
}

/**
 * Stores the state on the job (`result.rollout`, next to what persist recorded) and pushes it as
 * a live `rollout` event. Called after every change of state, so a worker that dies resumes from
 * the last one and a client watching the job sees every step.
 */
export async function saveRolloutState(svc: JobServices, jobId: string, state: RolloutState): Promise<void> {
  const row = await svc.jobs.get(jobId);
  await svc.jobs.update(jobId, {
    result: { ...(row?.result ?? {}), rollout: state },
    updatedAt: svc.clock.now(),
  });
  await emitJobEvent(svc, jobId, { type: "rollout", rollout: state });
}
