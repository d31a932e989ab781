import type { JobServices, Logger } from "@arcade/core";
import { JobWorker } from "@arcade/queue";
import type { Redis } from "ioredis";
import { jobHandlers, type RecordedWork } from "./job-handlers.js";
import { JobRecovery } from "./job-recovery.js";

export interface JobRunnerOptions {
  services: JobServices;
  /** A BullMQ connection (maxRetriesPerRequest: null); the caller closes it. */
  connection: Redis;
  queueName?: string;
  prefix?: string;
  concurrency: number;
  /** worker.lock_duration: a killed worker's job goes to another worker after this. */
  lockDurationMs?: number;
  logger: Logger;
}

export interface JobRunner {
  readonly worker: JobWorker<RecordedWork>;
  /** Finishes jobs whose queue job ended without recording their outcome; call sweep() now and then. */
  readonly recovery: JobRecovery;
  /** Starts fetching jobs (resolves when the worker stops). */
  run(): Promise<void>;
  /** Lets the active jobs finish, then stops; see main.ts for the shutdown deadline. */
  close(): Promise<void>;
}

/**
 * The queue worker carrying out plugin jobs: the queue's JobWorker with the job handlers and
 * the recovery. Used by main.ts and by the integration tests, so
 * both run the same wiring.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { logger, services } = options;
  // The recovery asks the queue (built below) about a job only once jobs are running.
  const recovery: JobRecovery = new JobRecovery({ services, logger, job: (jobId) => worker.view(jobId) });
  const worker: JobWorker<RecordedWork> = new JobWorker<RecordedWork>({
    connection: options.connection,
    ...(options.queueName ? { queueName: options.queueName } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    concurrency: options.concurrency,
    logger,
    handlers: jobHandlers(services, logger),
    ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
  });
  return {
    worker,
    recovery,
    run: () => worker.run(),
    close: () => worker.close(),
  };
}
