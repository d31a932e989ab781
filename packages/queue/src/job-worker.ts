import type { JobPayloads, JobResult, JobType } from "@arcade/contracts";
import { type AppError, assertJobPayload, type JobAttempt, type Logger, toAppError } from "@arcade/core";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_NAME } from "./job-catalog.js";

export interface JobHandlers {
  /** Runs one attempt; throws on failure. */
  run(attempt: JobAttempt): Promise<JobResult>;
  /** Called once when a job has failed for good (bad input, or retries used up). */
  fail(attempt: JobAttempt, error: AppError): Promise<void>;
  /** Called when an attempt failed and will be retried. */
  retrying?(attempt: JobAttempt, error: AppError, delayMs: number): Promise<void>;
  /** False when the job must not run (e.g. its operation was cancelled because the enqueue timed out). */
  shouldRun?(jobId: string): Promise<boolean>;
}

export interface JobWorkerOptions {
  connection: Redis;
  queueName?: string;
  prefix?: string;
  concurrency: number;
  /** A job whose worker stops renewing its lock (killed) is handed to another worker after this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger: Logger;
  handlers: JobHandlers;
}

/**
 * BullMQ worker for the plugin-ops queue: validates each payload against the
 * job catalog, retries transient faults (exponential backoff from the job's
 * options) and turns bad input into an UnrecoverableError so it is never retried.
 */
export function createJobWorker(options: JobWorkerOptions): Worker {
  const { handlers, logger } = options;
  const processor = async (job: Job): Promise<JobResult> => {
    const jobId = job.id ?? "";
    const type = job.name as JobType;
    const attempt: JobAttempt = {
      jobId,
      type,
      payload: job.data as JobPayloads[JobType],
      attempt: job.attemptsMade + 1,
    };
    if (handlers.shouldRun && !(await handlers.shouldRun(jobId))) {
      logger.warn({ jobId }, "job skipped: its operation is no longer pending");
      return {};
    }
    try {
      assertJobPayload(type, job.data);
      return await handlers.run(attempt);
    } catch (thrown) {
      const error = toAppError(thrown);
      const maxAttempts = job.opts.attempts ?? 1;
      const last = attempt.attempt >= maxAttempts;
      if (!error.retryable || last) {
        await handlers.fail(attempt, error);
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      }
      const base = typeof job.opts.backoff === "object" ? (job.opts.backoff.delay ?? 1000) : 1000;
      const delayMs = base * 2 ** (attempt.attempt - 1);
      logger.warn({ jobId, code: error.code, attempt: attempt.attempt, delayMs }, "attempt failed; retrying");
      await handlers.retrying?.(attempt, error, delayMs).catch(() => {});
      throw error;
    }
  };
  return new Worker(options.queueName ?? QUEUE_NAME, processor, {
    connection: options.connection,
    ...(options.prefix ? { prefix: options.prefix } : {}),
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
    maxStalledCount: 5,
    autorun: false,
  });
}
