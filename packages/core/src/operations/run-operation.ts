import type { JobPayloads, JobResult, JobType, StepName } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { ARTIFACT_STEPS, runArtifactJob } from "./artifact-operation.js";
import type { JobContext } from "./operation-context.js";
import type { JobServices } from "./services.js";
import {
  runConfigure,
  runRollback,
  runSetEnabled,
  runUninstall,
  STATE_STEPS,
  UNINSTALL_STEPS,
} from "./state-operations.js";
import { StepRunner } from "./step-runner.js";

export const OPERATION_STEPS: Record<JobType, readonly StepName[]> = {
  install: ARTIFACT_STEPS,
  update: ARTIFACT_STEPS,
  uninstall: UNINSTALL_STEPS,
  enable: STATE_STEPS,
  disable: STATE_STEPS,
  configure: STATE_STEPS,
  rollback: STATE_STEPS,
};

export interface JobAttempt<T extends JobType = JobType> {
  jobId: string;
  type: T;
  payload: JobPayloads[T];
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * Runs one attempt of a job and records it on the operation row. Throws the
 * AppError (or unknown error) of a failed attempt; the caller decides, from
 * `retryable` and the attempts left, whether to retry or to call failJob.
 */
export async function runJob(svc: JobServices, attempt: JobAttempt): Promise<JobResult> {
  const operation = await svc.jobs.get(attempt.jobId);
  if (!operation) throw new AppError("JOB_NOT_FOUND", `no operation row for job ${attempt.jobId}`);
  if (operation.state === "succeeded" && operation.result) return operation.result;
  // A failed row is final: e.g. the API gave up on an enqueue that Redis later
  // accepted. Running it now would do what the client was told did not happen.
  if (operation.state === "failed") {
    throw new AppError("INTERNAL", `operation ${attempt.jobId} already failed; not running it again`);
  }
  const logger = svc.logger.child({ jobId: attempt.jobId, pluginId: operation.pluginId, op: attempt.type });
  const steps = new StepRunner(attempt.jobId, OPERATION_STEPS[attempt.type], svc.jobs, svc.clock);
  const ctx: JobContext = { jobId: attempt.jobId, operation, steps, logger };
  await steps.begin(attempt.attempt);
  logger.info({ attempt: attempt.attempt }, "operation started");
  const started = Date.now();
  const result = await dispatch(svc, ctx, attempt);
  const now = svc.clock.now();
  await svc.jobs.update(attempt.jobId, {
    state: "succeeded",
    progress: 100,
    result,
    error: null,
    finishedAt: now,
    updatedAt: now,
  });
  logger.info({ durationMs: Date.now() - started, result }, "operation succeeded");
  return result;
}

function dispatch(svc: JobServices, ctx: JobContext, attempt: JobAttempt): Promise<JobResult> {
  const { type, payload } = attempt as { type: JobType; payload: JobPayloads[JobType] };
  switch (type) {
    case "install":
    case "update":
      return runArtifactJob(svc, ctx, type, payload as JobPayloads["install" | "update"]);
    case "enable":
    case "disable":
      return runSetEnabled(svc, ctx, type, payload as JobPayloads["enable"]);
    case "configure":
      return runConfigure(svc, ctx, payload as JobPayloads["configure"]);
    case "rollback":
      return runRollback(svc, ctx, payload as JobPayloads["rollback"]);
    case "uninstall":
      return runUninstall(svc, ctx, payload as JobPayloads["uninstall"]);
  }
}
