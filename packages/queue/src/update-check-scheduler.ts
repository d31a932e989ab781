import type { Logger } from "@arcade/core";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";

export const UPDATE_CHECK_QUEUE = "plugin-update-check";
const SCHEDULER_ID = "update-check";
/** A catch-up run's fixed job id: workers starting together add it once. */
const CATCH_UP_JOB_ID = "update-check-catch-up";

/** Redis key holding the end time (epoch ms) of the last run, whichever worker ran it. */
export function updateCheckLastRunKey(prefix = "bull"): string {
  return `${prefix}:${UPDATE_CHECK_QUEUE}:last-run`;
}

export interface UpdateCheckSchedulerOptions {
  connection: Redis;
  prefix?: string;
  everyMs: number;
  logger: Logger;
  /** One run of the checker. */
  run: () => Promise<unknown>;
  /** Epoch ms; for tests. */
  now?: () => number;
}

/**
 * Runs the market update checker every `everyMs` with a BullMQ job scheduler.
 * Every worker process registers the same scheduler (an upsert, so there is
 * one), and the queue's global concurrency of 1 means one run at a time across
 * the cluster, whichever worker takes it.
 *
 * The schedule lives in Redis and outlives the workers, so a restart keeps the old
 * next-run time: up to a whole interval without a check. At start, a run that is due
 * (the last one ended longer than an interval ago, or never ran) is therefore started
 * at once, and every start and run logs when the next check is due.
 */
export class UpdateCheckScheduler {
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly now: () => number;

  constructor(private readonly options: UpdateCheckSchedulerOptions) {
    this.queue = new Queue(UPDATE_CHECK_QUEUE, {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { options } = this;
    await this.queue.setGlobalConcurrency(1);
    // A new scheduler with `every` runs its first job at once; an existing one keeps its time.
    const existed = (await this.queue.getJobScheduler(SCHEDULER_ID)) != null;
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: options.everyMs },
      { name: "check", opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.worker = new Worker(
      UPDATE_CHECK_QUEUE,
      async () => {
        try {
          const report = await options.run();
          options.logger.info({ report }, "update check finished");
          return report;
        } finally {
          await this.recordRun();
          await this.logNextRun("after a run");
        }
      },
      {
        connection: options.connection,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        concurrency: 1,
      },
    );
    this.worker.on("failed", (_job, error) => options.logger.warn({ err: error }, "update check failed"));

    const lastRun = await this.lastRun();
    const overdue = lastRun === null || this.now() - lastRun >= options.everyMs;
    if (existed && overdue) {
      await this.queue.add(
        "check",
        {},
        { jobId: CATCH_UP_JOB_ID, attempts: 1, removeOnComplete: true, removeOnFail: true },
      );
      options.logger.info(
        { lastRunAt: lastRun === null ? null : new Date(lastRun).toISOString(), everyMs: options.everyMs },
        "update check overdue: running one now",
      );
    }
    await this.logNextRun("at start", existed && overdue ? this.now() : undefined);
  }

  /** When the scheduler's next run is due (epoch ms), or null without a schedule. */
  async nextRunAt(): Promise<number | null> {
    const scheduler = await this.queue.getJobScheduler(SCHEDULER_ID);
    const next = Number(scheduler?.next);
    return Number.isFinite(next) && next > 0 ? next : null;
  }

  /** End time of the last run across the cluster (epoch ms), or null if none is recorded. */
  async lastRun(): Promise<number | null> {
    const value = Number(await this.options.connection.get(updateCheckLastRunKey(this.options.prefix)));
    return Number.isFinite(value) && value > 0 ? value : null;
  }

  private async recordRun(): Promise<void> {
    await this.options.connection
      .set(updateCheckLastRunKey(this.options.prefix), String(this.now()))
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, "could not record the update check's time"),
      );
  }

  private async logNextRun(when: string, catchUpAt?: number): Promise<void> {
    const scheduled = await this.nextRunAt().catch(() => null);
    const next = catchUpAt ?? scheduled;
    this.options.logger.info(
      {
        nextRunAt: next === null ? null : new Date(next).toISOString(),
        ...(catchUpAt !== undefined && scheduled !== null
          ? { thenAt: new Date(scheduled).toISOString() }
          : {}),
        everyMs: this.options.everyMs,
      },
      `next update check ${next === null ? "not scheduled" : `at ${new Date(next).toISOString()}`} (${when})`,
    );
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
