import type { JobServices, Logger } from "@arcade/core";
import { createJobWorker, QUEUE_NAME } from "@arcade/queue";
import { Queue, type Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueJobState } from "./lost-operation.js";
import { operationHandlers } from "./operation-handlers.js";
import { JobRecovery } from "./operation-recovery.js";
import { OrderingGate } from "./ordering-gate.js";

export interface OperationWorkerOptions {
  services: JobServices;
  /** A BullMQ connection (maxRetriesPerRequest: null); the caller closes it. */
  connection: Redis;
  queueName?: string;
  prefix?: string;
  concurrency: number;
  lockDurationMs?: number;
  /** How long a job waiting behind an earlier operation of its plugin stays delayed. Default 500 ms. */
  deferMs?: number;
  logger: Logger;
}

export interface OperationWorker {
  readonly worker: Worker;
  /** Finishes operations whose job ended without recording its outcome; call sweep() now and then. */
  readonly recovery: JobRecovery;
  /** Starts fetching jobs (resolves when the worker stops). */
  run(): Promise<void>;
  /** Lets the active jobs finish, then stops; see main.ts for the shutdown deadline. */
  close(): Promise<void>;
}

/**
 * A queue worker carrying out plugin jobs: createJobWorker with the
 * operation handlers and the per-plugin ordering gate. Used by main.ts and by
 * the integration tests, so both run the same wiring.
 */
export function createOperationWorker(options: OperationWorkerOptions): OperationWorker {
  const { logger } = options;
  const queueName = options.queueName ?? QUEUE_NAME;
  const prefix = options.prefix ? { prefix: options.prefix } : {};
  // Only read from (job states): a Queue shares the worker's connection without blocking it.
  const queue = new Queue(queueName, { connection: options.connection, ...prefix });
  const jobState = (jobId: string) => queue.getJobState(jobId) as Promise<QueueJobState>;
  const recovery = new JobRecovery({
    services: options.services,
    logger,
    job: async (jobId) => {
      const state = await jobState(jobId);
      if (state !== "failed") return { state, failedReason: null };
      const job = await queue.getJob(jobId);
      return { state, failedReason: job?.failedReason ?? null };
    },
  });
  const gate = new OrderingGate({
    jobs: options.services.jobs,
    logger,
    deferMs: options.deferMs ?? 500,
    jobState,
    release: (operation) => recovery.release(operation),
  });
  const worker = createJobWorker({
    connection: options.connection,
    queueName,
    ...prefix,
    concurrency: options.concurrency,
    logger,
    handlers: operationHandlers(options.services, gate),
    ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
  });
  gate.attach(worker);
  worker.on("error", (error) => logger.warn({ err: error }, "queue connection problem"));
  worker.on("failed", (job, error) =>
    logger.info({ jobId: job?.id, err: error.message }, "job attempt failed"),
  );
  worker.on("completed", (job) => logger.info({ jobId: job.id }, "job completed"));
  return {
    worker,
    recovery,
    run: () => worker.run(),
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
