import type { JobPayloads, JobType } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { Clock } from "../ports/event-bus.js";
import type { JobQueue } from "../ports/job-queue.js";
import type { JobRecord, JobRepo } from "../ports/plugin-repo.js";
import { assertJobPayload } from "./job-payload.js";

export interface SubmitRequest<T extends JobType> {
  jobId: string;
  type: T;
  pluginId: string | null;
  payload: JobPayloads[T];
  requestedBy: string;
  idempotencyKey: string | null;
}

/**
 * Validates the payload (the one place it is checked: the worker runs what the row records),
 * writes the job's row, then enqueues the job's id. The row's lock key (the plugin id; an
 * install takes it when it claims its name) makes a second unfinished job on the plugin
 * impossible (OPERATION_IN_PROGRESS). When the queue cannot take the job, the
 * row is marked failed with the queue's error, so nothing waits for a job that
 * does not exist, and the error is rethrown.
 */
export async function submitJob<T extends JobType>(
  deps: { jobs: JobRepo; queue: JobQueue; clock: Clock },
  request: SubmitRequest<T>,
): Promise<{ created: boolean; operation: JobRecord }> {
  assertJobPayload(request.type, request.payload);
  const now = deps.clock.now();
  const outcome = await deps.jobs.create({
    jobId: request.jobId,
    type: request.type,
    pluginId: request.pluginId,
    lockKey: request.pluginId,
    idempotencyKey: request.idempotencyKey,
    state: "queued",
    step: null,
    progress: 0,
    steps: [],
    attempts: 0,
    payload: request.payload,
    error: null,
    result: null,
    requestedBy: request.requestedBy,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  });
  if (!outcome.created) return outcome;
  try {
    await deps.queue.enqueue({ jobId: request.jobId, type: request.type });
  } catch (error) {
    const appError =
      error instanceof AppError ? error : new AppError("QUEUE_UNAVAILABLE", String((error as Error).message));
    const at = deps.clock.now();
    await deps.jobs
      .update(request.jobId, {
        state: "failed",
        error: { code: appError.code, message: appError.message },
        finishedAt: at,
        updatedAt: at,
        // The job never ran, so a retry with the same key must try again
        // rather than replay this failure for 24 hours.
        idempotencyKey: null,
      })
      .catch(() => {});
    throw appError;
  }
  return outcome;
}
