import {
  type ConvergenceNodes,
  type ConvergenceOutcome,
  isArtifactUnavailable,
  type JobError,
} from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { PluginTx } from "../ports/plugin-repo.js";
import { type ActivatedChange, activate } from "./activate.js";
import type { JobServices } from "./services.js";

type FailedOutcome = Extract<ConvergenceOutcome, { state: "failed" }>;

/** What a job did about a change no node could apply (the `recovery` member of its error). */
export interface RecoveryReport {
  /**
   * uninstalled: a first install was removed (rows, stored objects); restored-version: the plugin
   * row is back on `version`, which keeps serving; disabled: an enable was turned back;
   * restored-config: a configure put the previous config back; none: nothing was undone.
   */
  action: "uninstalled" | "restored-version" | "disabled" | "restored-config" | "none";
  version?: string;
  /** How the nodes answered the undo (absent when the worker does not wait for nodes). */
  nodes?: ConvergenceNodes;
}

/** How a job undoes its change when no node could apply it. */
export interface RecoveryPlan {
  action: RecoveryReport["action"];
  version?: string;
  /**
   * Undoes the change in the transaction; false when there is nothing (left) to undo: an earlier
   * attempt did it, or the row no longer holds what this job committed. Never undoes twice.
   */
  undo?(tx: PluginTx): Promise<boolean>;
  /** The undo as the nodes are told about it (activate), without its revision; absent with nothing to undo. */
  change?: Omit<ActivatedChange, "revision" | "jobId">;
  /** What the client should do next (the error's detail), when convergenceOutcome's does not fit. */
  detail?: string;
}

/**
 * Ends a job whose change no node applied: undoes it (one transaction with a revision bump, so
 * the nodes go back), waits for the nodes to answer the undo, and throws PLUGIN_LOAD_FAILED with
 * each node's reason, the nodes (`nodes`) and what was undone (`recovery`). Not retryable: the
 * nodes answered, running the job again would fail the same way. A retried attempt that finds
 * the undo done (the worker died after it) only waits and throws again.
 */
export async function failUnapplied(
  svc: JobServices,
  jobId: string,
  outcome: FailedOutcome,
  plan: RecoveryPlan,
): Promise<never> {
  storeFailedEverywhere(outcome.nodes);
  const { undo, change } = plan;
  let back: ConvergenceOutcome | null = null;
  if (undo && change) {
    const revision = await svc.plugins.transaction(async (tx) =>
      (await undo(tx)) ? tx.bumpRevision() : null,
    );
    back = await activate(svc, { ...change, jobId, revision });
  }
  const recovery: RecoveryReport = {
    action: plan.action,
    ...(plan.version === undefined ? {} : { version: plan.version }),
    ...(back ? { nodes: back.nodes } : {}),
  };
  svc.logger.warn(
    { jobId, nodes: outcome.nodes, recovery },
    `no node applied the change: ${outcome.error.message}; ${plan.action}`,
  );
  throw loadFailedError(outcome.error, recovery, plan.detail);
}

/** The job error of a change no node applied, as an AppError (failJob records its extras). */
function loadFailedError(error: JobError, recovery: RecoveryReport, detail: string | undefined): AppError {
  const { code, message, errors, nodes } = error;
  const next = detail ?? error.detail;
  return new AppError(code, message, {
    ...(next ? { detail: next } : {}),
    ...(errors ? { errors } : {}),
    extras: { nodes, recovery },
  });
}

/**
 * Every node that answered could not fetch the artifact: the object store failed, not the
 * version, so nothing is undone; the job is retried (STORAGE_UNAVAILABLE) like any step the
 * store failed. Once the queue gives up, the change stays committed and the nodes load it when
 * the store is back (their reconcile timer).
 */
function storeFailedEverywhere(nodes: ConvergenceNodes): void {
  if (nodes.failed.length === 0 || !nodes.failed.every((n) => isArtifactUnavailable(n.error))) return;
  throw new AppError("STORAGE_UNAVAILABLE", "no node could fetch the artifact from the object store", {
    detail: nodes.failed.map((n) => `${n.nodeId}: ${n.error}`).join("\n"),
  });
}
