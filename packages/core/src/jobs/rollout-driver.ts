import type { ConvergenceNodes, JobPayloads, RolloutBatch, RolloutState } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { CountersReading } from "../rollout/figures.js";
import { expandRollout } from "../rollout/rollout-batches.js";
import {
  advanceRollout,
  isFinished,
  type RolloutEvent,
  rolloutAbortedError,
  startRollout,
} from "../rollout/rollout-machine.js";
import type { JobContext } from "./job-context.js";
import { takeCommand } from "./rollout-commands.js";
import {
  type DependentReading,
  dependentsOf,
  holdVerdict,
  loadFailureVerdict,
  readCounters,
  readDependents,
  unwatchedVerdict,
  withDependents,
} from "./rollout-figures.js";
import { finishRollout, rollBackRollout } from "./rollout-placement.js";
import { abortOnOf } from "./rollout-request.js";
import { type BatchApplier, type RolloutRun, saveRolloutState, storedRollout } from "./rollout-run.js";
import { applySplit, holdSplit } from "./rollout-split.js";
import { applySwitch } from "./rollout-switch.js";
import { applyPrepare, applyTwoPhaseSwitch } from "./rollout-two-phase.js";
import type { JobServices } from "./services.js";

/** How often a hold (or a pause) looks for an operator's command: well within the second promised. */
export const COMMAND_POLL_MS = 300;

/**
 * One function per kind of batch (RolloutBatch.kind): the only place the driver tells the
 * strategies apart. `switch` serves canary and the two-phase switch; `prepare` (two-phase) and
 * `split` (A/B) are the strategies' own files.
 */
const APPLY: Record<RolloutBatch["kind"], BatchApplier> = {
  switch: (svc, run, batch) =>
    (run.request.strategy === "two-phase" ? applyTwoPhaseSwitch : applySwitch)(svc, run, batch),
  prepare: applyPrepare,
  split: applySplit,
};

/** How a rollout ended for the job's result: its final state, and the nodes on the new version. */
export interface RolloutOutcome {
  rollout: RolloutState;
  nodes: ConvergenceNodes;
}

/**
 * Runs an install's or update's rollout in its activate step (docs/rollouts.md): the steps over
 * the live nodes, each applied (placement + revision, then the nodes waited for), held and
 * judged by analyseStep on the nodes' own figures, with the operator's commands picked up while
 * it holds. The state goes on the job (`result.rollout`) and out as a `rollout` event after every
 * change. The worker keeps the job the whole time (its queue lock is renewed while it runs); a
 * retried job resumes from the stored state and applies its current step again. Ends with every
 * node on the new version (completed, promoted), or throws ROLLOUT_ABORTED once the nodes are
 * back on the old one.
 */
export async function driveRollout(
  svc: JobServices,
  ctx: Pick<JobContext, "job">,
  run: RolloutRun,
): Promise<RolloutOutcome> {
  const stored = storedRollout(ctx.job.result);
  // A resumed job goes on with the versions it started with (the row may have moved since).
  const current: RolloutRun = stored
    ? { ...run, fromVersion: stored.fromVersion, toVersion: stored.toVersion }
    : run;
  let state = stored ? resumed(stored) : await begin(svc, current);
  if (stored)
    current.logger.info(
      { step: state.step, status: state.status },
      "rollout: resuming from the stored state",
    );
  state = await drive(svc, current, state);
  if (state.status === "aborted") {
    await rollBackRollout(svc, current);
    const error = rolloutAbortedError(state);
    const { code: _code, message, detail, errors, ...extras } = error;
    throw new AppError("ROLLOUT_ABORTED", message, {
      ...(detail ? { detail } : {}),
      ...(errors ? { errors } : {}),
      extras,
    });
  }
  const nodes = await finishRollout(svc, current);
  return { rollout: state, nodes };
}

/**
 * The rollout of an install or update whose staged upload an earlier attempt already removed
 * (fetch found it gone): only the end of its stored rollout is left to do. null when the job
 * stored no rollout.
 */
export async function resumeStoredRollout(
  svc: JobServices,
  ctx: Pick<JobContext, "job" | "jobId" | "logger">,
  change: {
    op: "install" | "update";
    payload: JobPayloads["install"] | JobPayloads["update"];
    pluginId: string;
    checksum: string;
  },
): Promise<RolloutOutcome | null> {
  const stored = storedRollout(ctx.job.result);
  if (!stored) return null;
  const run: RolloutRun = {
    jobId: ctx.jobId,
    pluginId: change.pluginId,
    op: change.op,
    request: change.payload.rollout ?? { strategy: stored.strategy },
    fromVersion: stored.fromVersion,
    toVersion: stored.toVersion,
    checksum: change.checksum,
    payload: change.payload,
    logger: ctx.logger,
  };
  return driveRollout(svc, ctx, run);
}

/** The steps over the nodes live now, stored and published before the first one is applied. */
async function begin(svc: JobServices, run: RolloutRun): Promise<RolloutState> {
  const live = ((await svc.nodes?.listNodes()) ?? []).map((n) => n.nodeId);
  const batches = expandRollout(run.request, live, {
    seed: run.pluginId,
    versions: { fromVersion: run.fromVersion, toVersion: run.toVersion },
  });
  let state = startRollout({
    strategy: run.request.strategy,
    batches,
    fromVersion: run.fromVersion,
    toVersion: run.toVersion,
    ...(run.request.split !== undefined ? { split: run.request.split } : {}),
  });
  if (live.length === 0) {
    // No node to watch: nothing can be judged, and every node that joins reads the plugin row.
    state = {
      ...state,
      status: "completed",
      reason: "no live node when the rollout started",
      by: "analysis",
    };
  }
  run.logger.info(
    { strategy: state.strategy, steps: batches.length, nodes: live.length },
    "rollout: started",
  );
  await saveRolloutState(svc, run.jobId, state);
  return state;
}

/**
 * A stored state taken up by a new attempt: a running step is applied again (its placement
 * re-written, its nodes waited for, a full hold), so nothing depends on what the dead worker
 * held in memory. Paused and finished states go on as they are.
 */
function resumed(state: RolloutState): RolloutState {
  if (state.status !== "running" || state.phase === "applying") return state;
  return { ...state, phase: "applying", holdUntil: null };
}

/** The loop: one state change at a time, until the rollout ends (completed, promoted, aborted). */
async function drive(svc: JobServices, run: RolloutRun, initial: RolloutState): Promise<RolloutState> {
  const abortOn = abortOnOf(run.request, svc.settings);
  let state = initial;
  /** The counters at the start of the current hold (in memory: a resumed job holds afresh). */
  let before: CountersReading[] | null = null;
  /** The plugins that depend on this one, and their counters at the start of the hold. */
  const dependents = await dependentsOf(svc, run.pluginId);
  let dependentsBefore: Map<string, DependentReading[]> | null = null;
  const step = async (event: RolloutEvent) => {
    const next = advanceRollout(state, event);
    if (!next.ok) throw new AppError("INTERNAL", `rollout of job ${run.jobId}: ${next.message}`);
    state = next.state;
    await saveRolloutState(svc, run.jobId, state);
  };
  for (;;) {
    state = await takeCommand(svc, run, state);
    if (isFinished(state)) return state;
    if (state.status === "paused") {
      await sleep(COMMAND_POLL_MS);
      continue;
    }
    const batch = state.steps[state.step];
    if (!batch) throw new AppError("INTERNAL", `rollout of job ${run.jobId} has no step ${state.step}`);
    switch (state.phase) {
      case "applying": {
        run.logger.info(
          { step: batch.step, kind: batch.kind, nodes: batch.nodes },
          "rollout: applying a step",
        );
        const nodes = await APPLY[batch.kind](svc, run, batch);
        await step({ type: "applied", at: svc.clock.now() });
        before = await readCounters(svc, run.pluginId);
        dependentsBefore = await readDependents(svc, dependents);
        const failed = loadFailureVerdict(run, batch, nodes, abortOn);
        if (failed && state.status === "running") {
          await step({ type: "hold-ended" });
          await step({ type: "analysed", verdict: failed, at: svc.clock.now() });
        }
        break;
      }
      case "holding": {
        before ??= await readCounters(svc, run.pluginId);
        dependentsBefore ??= await readDependents(svc, dependents);
        // A split holds until an operator promotes or aborts it, its figures refreshed meanwhile.
        if (batch.kind === "split") {
          state = await holdSplit(svc, run, state, before);
          break;
        }
        const left = Date.parse(state.holdUntil ?? "") - svc.clock.now().getTime();
        if (left > 0) await sleep(Math.min(COMMAND_POLL_MS, left));
        else await step({ type: "hold-ended" });
        break;
      }
      case "analysing": {
        const verdict =
          batch.holdMs === 0
            ? unwatchedVerdict(run, batch)
            : withDependents(
                holdVerdict(run, batch, before ?? [], await readCounters(svc, run.pluginId), abortOn),
                batch,
                dependents,
                dependentsBefore ?? new Map(),
                await readDependents(svc, dependents),
                abortOn,
              );
        run.logger.info(
          { step: batch.step, decision: verdict.decision, findings: verdict.findings },
          "rollout: step analysed",
        );
        const stepBefore = state.step;
        await step({ type: "analysed", verdict, at: svc.clock.now() });
        // A new step watches from its own start; an extra hold keeps counting from the first.
        if (state.step !== stepBefore) {
          before = null;
          dependentsBefore = null;
        }
        break;
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
