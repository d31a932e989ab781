import type { JobResult } from "@arcade/contracts";
import { type AppError, type Logger, toAppError } from "@arcade/core";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type QueueFailure, QueueFailureError, queueFailureReason, readQueueFailure } from "./job-failure.js";
import { QUEUE_NAME } from "./queue-name.js";

/** A job as the queue delivered it: only the id is trusted, the rest is what Redis holds. */
export interface QueuedJob {
  jobId: string;
  /** The BullMQ job name (the producer writes the job type). */
  name: string;
  /** The BullMQ job data (the producer writes `{}`). */
  data: unknown;
  /** 1 for the first attempt. */
  attempt: number;
}

/** What admit() decides about a delivered job. */
export type Admission<T> =
  /** Run it: `work` is what run(), fail() and retrying() get. */
  | { run: T }
  /** End it in the queue as done without running (e.g. its row is already over). */
  | { skip: string };

export interface JobHandlers<T> {
  /** Loads what the attempt works on. A throw fails the attempt (retried like any) with its code. */
  admit(job: QueuedJob): Promise<Admission<T>>;
  /** Runs one attempt; throws on failure. */
  run(work: T): Promise<JobResult>;
  /** Called once when a job has failed for good (bad input, or retries used up). */
  fail(work: T, error: AppError): Promise<void>;
  /** Called when an attempt failed and will be retried. */
  retrying?(work: T, error: AppError, delayMs: number): Promise<void>;
}

/** A job the queue has finished with, for metrics. */
export interface EndedJob {
  jobId: string;
  name: string;
  state: "succeeded" | "failed";
  /** Epoch ms: when it was enqueued, and when the queue ended it. */
  enqueuedAt: number;
  finishedAt: number;
}

/** What the queue knows about one job. */
export interface QueueJobView {
  state: QueueJobState;
  /** Its last failure, as the processor wrote it; null when none, or not one of ours (e.g. stalled). */
  failure: QueueFailure | null;
}

/** What BullMQ's Queue.getJobState answers. */
export type QueueJobState =
  | "completed"
  | "failed"
  | "delayed"
  | "active"
  | "waiting"
  | "waiting-children"
  | "prioritized"
  | "unknown";

export interface JobWorkerOptions<T> {
  connection: Redis;
  queueName?: string;
  prefix?: string;
  concurrency: number;
  /** A job whose worker stops renewing its lock (killed) is handed to another worker after this (worker.lock_duration). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger: Logger;
  handlers: JobHandlers<T>;
}

/**
 * The BullMQ worker of the plugin-ops queue, and everything BullMQ about it: retries with
 * exponential backoff from the job's options, UnrecoverableError for a final failure, and
 * errors carried as JSON in `failedReason`.
 * The handlers see plain objects only.
 */
export class JobWorker<T> {
  private readonly worker: Worker;
  private readonly queue: Queue;

  constructor(options: JobWorkerOptions<T>) {
    const queueName = options.queueName ?? QUEUE_NAME;
    const prefix = options.prefix ? { prefix: options.prefix } : {};
    const { handlers, logger } = options;
    const processor = async (job: Job): Promise<JobResult> => {
      const queued: QueuedJob = {
        jobId: job.id ?? "",
        name: job.name,
        data: job.data,
        attempt: job.attemptsMade + 1,
      };
      let admission: Admission<T>;
      try {
        admission = await handlers.admit(queued);
      } catch (thrown) {
        // Before the handlers' own error handling: retried like any attempt, and after the
        // last one its failedReason still names the code (e.g. DATABASE_UNAVAILABLE).
        throw new QueueFailureError(thrown);
      }
      if ("skip" in admission) {
        logger.warn({ jobId: queued.jobId, reason: admission.skip }, "job skipped: its row is already over");
        return {};
      }
      const work = admission.run;
      try {
        return await handlers.run(work);
      } catch (thrown) {
        const error = toAppError(thrown);
        const maxAttempts = job.opts.attempts ?? 1;
        if (!error.retryable || queued.attempt >= maxAttempts) {
          try {
            await handlers.fail(work, error);
          } catch {
            // The row stays unfinished (failJob logged why); the job's own error stays the
            // failedReason, so the recovery records it once the fault is over.
            throw new QueueFailureError(error);
          }
          throw new UnrecoverableError(queueFailureReason({ code: error.code, message: error.message }));
        }
        const base = typeof job.opts.backoff === "object" ? (job.opts.backoff.delay ?? 1000) : 1000;
        const delayMs = base * 2 ** (queued.attempt - 1);
        logger.warn(
          { jobId: queued.jobId, code: error.code, attempt: queued.attempt, delayMs },
          "attempt failed; retrying",
        );
        await handlers.retrying?.(work, error, delayMs).catch(() => {});
        throw new QueueFailureError(error);
      }
    };
    this.worker = new Worker(queueName, processor, {
      connection: options.connection,
      ...prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
      maxStalledCount: 5,
      autorun: false,
    });
    // Only read from (job states): a Queue shares the worker's connection without blocking it.
    this.queue = new Queue(queueName, { connection: options.connection, ...prefix });
    this.worker.on("error", (error) => logger.warn({ err: error }, "queue connection problem"));
    this.worker.on("failed", (job, error) =>
      logger.info({ jobId: job?.id, err: error.message }, "job attempt failed"),
    );
    this.worker.on("completed", (job) => logger.info({ jobId: job.id }, "job completed"));
  }

  /** Calls `listener` for each job the queue ends here: completed, or failed with no retry to follow. */
  onEnded(listener: (job: EndedJob) => void): void {
    const ended = (job: Job, state: EndedJob["state"]) =>
      listener({
        jobId: job.id ?? "",
        name: job.name,
        state,
        enqueuedAt: job.timestamp,
        finishedAt: job.finishedOn ?? Date.now(),
      });
    this.worker.on("completed", (job) => ended(job, "succeeded"));
    // BullMQ sets finishedOn only when no retry follows.
    this.worker.on("failed", (job) => {
      if (job && typeof job.finishedOn === "number") ended(job, "failed");
    });
  }

  /** The queue's state of a job and, when it failed, its failure. */
  async view(jobId: string): Promise<QueueJobView> {
    const state = await this.state(jobId);
    if (state !== "failed") return { state, failure: null };
    const job = await this.queue.getJob(jobId);
    return { state, failure: readQueueFailure(job?.failedReason) };
  }

  async state(jobId: string): Promise<QueueJobState> {
    const state: string = await this.queue.getJobState(jobId);
    return isQueueJobState(state) ? state : "unknown";
  }

  /** Starts fetching jobs (resolves when the worker stops). */
  run(): Promise<void> {
    return this.worker.run();
  }

  /** Lets the active jobs finish, then stops. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}

const STATES: ReadonlySet<string> = new Set<QueueJobState>([
  "completed",
  "failed",
  "delayed",
  "active",
  "waiting",
  "waiting-children",
  "prioritized",
  "unknown",
]);

function isQueueJobState(state: string): state is QueueJobState {
  return STATES.has(state);
}
