import type {
  AnalysisVerdict,
  JobError,
  RolloutBatch,
  RolloutCommand,
  RolloutState,
  RolloutStrategy,
  Split,
} from "@arcade/contracts";
import { joinPointer } from "../schema/json-pointer.js";

/**
 * The rollout state machine (docs/rollouts.md). Pure: the worker feeds it what happened (the
 * step's nodes applied, the hold's analysis, an operator's command) with the time, stores the
 * state it returns on the job and publishes it as a live event, and does what the new state
 * asks (apply the next step, roll the canary nodes back, switch every node).
 *
 *   running(step i: applying -> holding -> analysing) --continue--> running(step i+1) ... --> completed
 *   running --abort verdict | abort--> aborted          running --promote--> promoted
 *   running --pause--> paused --resume--> running(holding again)
 *   analysing --inconclusive--> holding (at most MAX_EXTRA_HOLDS times) --> paused
 */
export const MAX_EXTRA_HOLDS = 2;

export type RolloutEvent =
  /** The nodes of the current step answered that they applied it. */
  | { type: "applied"; at: Date }
  /** The hold ended; the worker is analysing the figures. */
  | { type: "hold-ended" }
  /** The analysis of the current step. */
  | { type: "analysed"; verdict: AnalysisVerdict; at: Date }
  /** An operator's `POST /jobs/:jobId/pause|resume|abort|promote`. */
  | { type: "command"; command: RolloutCommand; by: string; reason?: string; at: Date };

export type RolloutTransition = { ok: true; state: RolloutState } | { ok: false; message: string };

export function startRollout(input: {
  strategy: RolloutStrategy;
  batches: RolloutBatch[];
  fromVersion: string | null;
  toVersion: string;
  split?: Split;
}): RolloutState {
  const state: RolloutState = {
    strategy: input.strategy,
    status: "running",
    step: 0,
    phase: "applying",
    steps: input.batches,
    fromVersion: input.fromVersion,
    toVersion: input.toVersion,
    nodesByVersion: {},
    verdict: null,
    holdUntil: null,
    extraHolds: 0,
    reason: null,
    by: null,
  };
  if (input.split !== undefined) state.split = input.split;
  return { ...state, nodesByVersion: servedBy(state, -1) };
}

export function isFinished(state: RolloutState): boolean {
  return state.status === "completed" || state.status === "promoted" || state.status === "aborted";
}

/** The next state, or why the event does not apply to this one (a command: 409 for the API). */
export function advanceRollout(state: RolloutState, event: RolloutEvent): RolloutTransition {
  if (isFinished(state)) return refuse(`the rollout has ended (${state.status})`);
  switch (event.type) {
    case "applied":
      if (state.phase !== "applying") return refuse(`step ${state.step} is not being applied`);
      // A pause during the apply leaves the rollout paused; the step's nodes still switched.
      return ok({
        ...state,
        phase: "holding",
        holdUntil: holdEnd(state, event.at),
        nodesByVersion: servedBy(state, state.step),
      });
    case "hold-ended":
      if (state.status !== "running" || state.phase !== "holding") return refuse("no hold is running");
      return ok({ ...state, phase: "analysing", holdUntil: null });
    case "analysed":
      if (state.status !== "running" || state.phase !== "analysing") return refuse("no analysis is due");
      return ok(afterVerdict(state, event.verdict, event.at));
    case "command":
      return command(state, event);
  }
}

function afterVerdict(state: RolloutState, verdict: AnalysisVerdict, at: Date): RolloutState {
  const judged = { ...state, verdict };
  switch (verdict.decision) {
    case "abort":
      return {
        ...judged,
        status: "aborted",
        reason: verdict.findings.map((f) => f.message).join("; "),
        by: "analysis",
      };
    case "inconclusive":
      if (state.extraHolds < MAX_EXTRA_HOLDS) {
        return {
          ...judged,
          phase: "holding",
          holdUntil: holdEnd(state, at),
          extraHolds: state.extraHolds + 1,
        };
      }
      return {
        ...judged,
        status: "paused",
        phase: "holding",
        reason: `${verdict.findings[0]?.message ?? "too few calls"}, after ${MAX_EXTRA_HOLDS} extra holds: resume, promote or abort`,
        by: "analysis",
      };
    case "continue":
      if (state.step + 1 >= state.steps.length) return { ...judged, status: "completed", phase: "analysing" };
      return { ...judged, step: state.step + 1, phase: "applying", extraHolds: 0 };
  }
}

function command(state: RolloutState, event: Extract<RolloutEvent, { type: "command" }>): RolloutTransition {
  const who = { by: event.by, reason: event.reason ?? null };
  switch (event.command) {
    case "pause":
      if (state.status !== "running") return refuse("the rollout is not running");
      return ok({ ...state, status: "paused", ...who });
    case "resume":
      if (state.status !== "paused") return refuse("the rollout is not paused");
      // Resuming a held step watches it a full hold again: what happened while paused counts.
      return ok({
        ...state,
        status: "running",
        extraHolds: 0,
        holdUntil: state.phase === "applying" ? null : holdEnd(state, event.at),
        phase: state.phase === "applying" ? "applying" : "holding",
        ...who,
      });
    case "abort":
      return ok({ ...state, status: "aborted", holdUntil: null, ...who });
    case "promote":
      return ok({
        ...state,
        status: "promoted",
        holdUntil: null,
        nodesByVersion: servedBy(state, state.steps.length - 1, true),
        ...who,
      });
  }
}

/**
 * Who serves which version once step `upTo` is applied (-1: before the first step). A split and
 * a two-phase prepare leave every node serving the old version too; `promoted` means the new
 * version alone everywhere.
 */
function servedBy(state: RolloutState, upTo: number, promoted = false): Record<string, string[]> {
  const all = state.steps.at(-1)?.nodes ?? [];
  const batch = upTo >= 0 ? state.steps[upTo] : undefined;
  const onNew = promoted ? all : batch === undefined || batch.kind === "prepare" ? [] : batch.nodes;
  const onOld = promoted ? [] : batch?.kind === "split" ? all : all.filter((n) => !onNew.includes(n));
  const out: Record<string, string[]> = {};
  if (state.fromVersion !== null && onOld.length > 0) out[state.fromVersion] = onOld;
  if (onNew.length > 0) out[state.toVersion] = onNew;
  return out;
}

function holdEnd(state: RolloutState, at: Date): string {
  return new Date(at.getTime() + (state.steps[state.step]?.holdMs ?? 0)).toISOString();
}

/**
 * The job error of a rollout the analysis (or an operator) aborted: ROLLOUT_ABORTED with the
 * findings that triggered it and the figures side by side.
 */
export function rolloutAbortedError(state: RolloutState): JobError {
  const findings = state.by === "analysis" ? (state.verdict?.findings ?? []) : [];
  return {
    code: "ROLLOUT_ABORTED",
    message:
      state.by === "analysis"
        ? `the rollout of ${state.toVersion} was aborted at step ${state.step}: ${state.reason ?? "its analysis failed"}`
        : `the rollout of ${state.toVersion} was aborted by ${state.by ?? "an operator"}${state.reason ? `: ${state.reason}` : ""}`,
    detail: `The canary nodes were rolled back${state.fromVersion ? ` to ${state.fromVersion}` : ""}. Fix the version and update again.`,
    errors: findings.map((f) => ({ path: joinPointer("/rollout/verdict", f.check), message: f.message })),
    rollout: state,
  };
}

function ok(state: RolloutState): RolloutTransition {
  return { ok: true, state };
}

function refuse(message: string): RolloutTransition {
  return { ok: false, message };
}
