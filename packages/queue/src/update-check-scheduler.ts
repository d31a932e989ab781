import type { Logger } from "@arcade/core";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";

export const UPDATE_CHECK_QUEUE = "plugin-update-check";
const SCHEDULER_ID = "update-check";

export interface UpdateCheckSchedulerOptions {
  connection: Redis;
  prefix?: string;
  everyMs: number;
  logger: Logger;
  /** One run of the checker. */
  run: () => Promise<unknown>;
}

/**
 * Runs the market update checker every `everyMs` with a BullMQ job scheduler.
 * Every worker process registers the same scheduler (an upsert, so there is
 * one), and the queue's global concurrency of 1 means one run at a time across
 * the cluster, whichever worker takes it.
 */
export class UpdateCheckScheduler {
  private readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(private readonly options: UpdateCheckSchedulerOptions) {
    this.queue = new Queue(UPDATE_CHECK_QUEUE, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
  }

  async start(): Promise<void> {
    const { options } = this;
    await this.queue.setGlobalConcurrency(1);
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: options.everyMs },
      { name: "check", opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.worker = new Worker(
      UPDATE_CHECK_QUEUE,
      async () => {
        const report = await options.run();
        options.logger.info({ report }, "update check finished");
        return report;
      },
      {
        connection: options.connection,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        concurrency: 1,
      },
    );
    this.worker.on("failed", (_job, error) => options.logger.warn({ err: error }, "update check failed"));
  }

  /** Removes the schedule (used when auto_check_update is switched off). */
  async unschedule(): Promise<void> {
    await this.queue.removeJobScheduler(SCHEDULER_ID);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
