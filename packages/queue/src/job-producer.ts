import type { JobPayloads, JobType } from "@arcade/contracts";
import { AppError, assertJobPayload } from "@arcade/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type JobSpec, jobCatalog, QUEUE_NAME } from "./job-catalog.js";

export interface JobProducerOptions {
  connection: Redis;
  queueName?: string;
  prefix?: string;
  defaults: JobSpec;
  /** Finished jobs are kept in Redis this long (the database keeps the history). */
  retentionSeconds?: number;
  /** How long an enqueue may wait for Redis before the API answers 503. */
  enqueueTimeoutMs?: number;
}

export class JobProducer {
  readonly queue: Queue;
  private readonly catalog: Record<JobType, JobSpec>;
  private readonly retention: number;
  private readonly enqueueTimeoutMs: number;

  constructor(options: JobProducerOptions) {
    this.queue = new Queue(options.queueName ?? QUEUE_NAME, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
    this.catalog = jobCatalog(options.defaults);
    this.retention = options.retentionSeconds ?? 7 * 24 * 3600;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 3000;
  }

  /** Enqueues under our own job id (the operation row's id), so a repeated call is a no-op. */
  async enqueue<T extends JobType>(type: T, jobId: string, payload: JobPayloads[T]): Promise<void> {
    assertJobPayload(type, payload);
    const spec = this.catalog[type];
    const add = this.queue.add(type, payload, {
      jobId,
      attempts: spec.attempts,
      backoff: { type: "exponential", delay: spec.backoffMs },
      removeOnComplete: { age: this.retention },
      removeOnFail: { age: this.retention },
    });
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(new AppError("QUEUE_UNAVAILABLE", "the job queue (Redis) did not answer in time"));
      }, this.enqueueTimeoutMs);
    });
    // ioredis queues commands while disconnected: an add we gave up on may still
    // land once Redis is back. Remove it then (the worker also skips jobs whose
    // operation row is failed).
    add.then(
      (job) => {
        if (gaveUp) job.remove().catch(() => {});
      },
      () => {},
    );
    try {
      await Promise.race([add, timeout]);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("QUEUE_UNAVAILABLE", `could not enqueue the job: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    await this.queue.getJobCounts("wait");
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
