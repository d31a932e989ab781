import type { JobType } from "@arcade/contracts";
import { AppError, type JobQueue, retryOf } from "@arcade/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_NAME } from "./queue-name.js";

export interface JobProducerOptions {
  connection: Redis;
  queueName?: string;
  prefix?: string;
  /** worker.attempts and worker.backoff_ms: the retry of every job type whose definition says "configured". */
  defaults: { attempts: number; backoffMs: number };
  /** Finished jobs are kept in Redis this long (the database keeps the history). */
  retentionSeconds?: number;
  /** How long an enqueue may wait for Redis before the API answers 503. */
  enqueueTimeoutMs?: number;
}

/**
 * The JobQueue port on BullMQ. A queued job is its id (the row's job id), its name (the type, so
 * people looking at Redis see what it is) and empty data: the worker runs what the row records.
 */
export class JobProducer implements JobQueue {
  readonly queue: Queue;
  private readonly defaults: { attempts: number; backoffMs: number };
  private readonly retention: number;
  private readonly enqueueTimeoutMs: number;

  constructor(options: JobProducerOptions) {
    this.queue = new Queue(options.queueName ?? QUEUE_NAME, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
    this.defaults = options.defaults;
    this.retention = options.retentionSeconds ?? 7 * 24 * 3600;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 3000;
  }

  /** Enqueues under our own job id, so a repeated call is a no-op. */
  async enqueue(job: { jobId: string; type: JobType }): Promise<void> {
    const retry = retryOf(job.type, this.defaults);
    const add = this.queue.add(
      job.type,
      {},
      {
        jobId: job.jobId,
        attempts: retry.attempts,
        backoff: { type: "exponential", delay: retry.backoffMs },
        removeOnComplete: { age: this.retention },
        removeOnFail: { age: this.retention },
      },
    );
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
    // row is failed).
    add.then(
      (added) => {
        if (gaveUp) added.remove().catch(() => {});
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
