import type { JobPayloads, JobResult, JobType } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { JobRecord } from "../ports/plugin-repo.js";
import type { JobContext } from "./job-context.js";
import { emitJobEnd, emitJobEvent } from "./job-events.js";
import { isJobPayload } from "./job-payload.js";
import { JOBS } from "./registry.js";
import type { JobServices } from "./services.js";
import { StepRunner } from "./step-runner.js";

/** One attempt of a job, as its row recorded it (type and payload never come from the queue). */
export interface JobAttempt<K extends JobType = JobType> {
  jobId: string;
  type: K;
  payload: JobPayloads[K];
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * The attempt a job's row records. The payload was validated by submitJob as it entered; this
 * only proves its type to the compiler. null when the payload does not fit its type (a row written
 * by hand, or by a version with another schema): such a row is never run (failUnreadableJob).
 */
export function recordedAttempt(row: JobRecord, attempt: number): JobAttempt | null {
  return attemptOf(row.type, row, attempt);
}

function attemptOf<K extends JobType>(type: K, row: JobRecord, attempt: number): JobAttempt<K> | null {
  const payload: unknown = row.payload;
  if (!isJobPayload(type, payload)) return null;
  return { jobId: row.jobId, type, payload, attempt };
}

/**
 * Runs one attempt of a job and records it on the job's row. Throws the AppError (or unknown
 * error) of a failed attempt; the caller decides, from `retryable` and the attempts left,
 * whether to retry or to call failJob.
 */
export async function runJob(svc: JobServices, attempt: JobAttempt): Promise<JobResult> {
  const job = await svc.jobs.get(attempt.jobId);
  if (!job) throw new AppError("JOB_NOT_FOUND", `no row for job ${attempt.jobId}`);
  if (job.state === "succeeded" && job.result) return job.result;
  // A failed row is final: e.g. the API gave up on an enqueue that Redis later
  // accepted. Running it now would do what the client was told did not happen.
  if (job.state === "failed") {
    throw new AppError("INTERNAL", `job ${attempt.jobId} already failed; not running it again`);
  }
  const logger = svc.logger.child({ jobId: attempt.jobId, pluginId: job.pluginId, op: attempt.type });
  const steps = new StepRunner(attempt.jobId, JOBS[attempt.type].steps, svc.jobs, svc.clock, (event) =>
    emitJobEvent(svc, attempt.jobId, event),
  );
  const ctx: JobContext = { jobId: attempt.jobId, job, steps, logger };
  await steps.begin(attempt.attempt);
  // The log lines keep the word "operation": operators' log searches (and the fault suites) use them.
  logger.info({ attempt: attempt.attempt }, "operation started");
  const started = Date.now();
  const result = await runDefinition(svc, ctx, attempt.type, attempt.payload);
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
  await emitJobEnd(svc, attempt.jobId);
  return result;
}

/** The registry's definition of `type` runs the payload: typed by the registry, no casts. */
function runDefinition<K extends JobType>(
  svc: JobServices,
  ctx: JobContext,
  type: K,
  payload: JobPayloads[K],
): Promise<JobResult> {
  return JOBS[type].run(svc, ctx, payload);
}
