import {
  AppError,
  failJob,
  failUnreadableJob,
  type JobRecord,
  type JobServices,
  type Logger,
  recordedAttempt,
} from "@arcade/core";
import type { QueueJobView } from "@arcade/queue";
import { isLost } from "./lost-job.js";

export type { QueueJobView } from "@arcade/queue";

export interface JobRecoveryOptions {
  services: JobServices;
  logger: Logger;
  /** The queue's view of a job. */
  job(jobId: string): Promise<QueueJobView>;
  /** A row whose job is unknown to the queue is only called lost once it is this old. Default 60 s. */
  lostGraceMs?: number;
}

const PAGE_SIZE = 200;
/** Bound of one pass (pages per state); what is beyond waits for the next pass. */
const MAX_PAGES = 50;
const UNFINISHED = ["running", "queued"] as const;

/**
 * Finishes jobs whose queue job has ended without their outcome on the row: the worker gave up
 * on the job while the database or the object store was down, so it could neither undo what
 * the job left behind nor record the failure (failJob leaves the row unfinished then), or
 * BullMQ failed the job itself (stalled too often). Each such row is compensated and recorded
 * as failed with the code the job failed with (the queue keeps it as structured data, see
 * @arcade/queue job-failure.ts), through failJob, as soon as the services answer again. Every
 * worker runs this now and then; two workers finishing the same row do the same idempotent work.
 */
export class JobRecovery {
  private readonly lostGraceMs: number;

  constructor(private readonly options: JobRecoveryOptions) {
    this.lostGraceMs = options.lostGraceMs ?? 60_000;
  }

  /** One pass over the unfinished rows; returns how many were finished. Throws when the database is down. */
  async sweep(): Promise<number> {
    let finished = 0;
    for (const state of UNFINISHED) {
      const seen = new Set<string>();
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const { items } = await this.options.services.jobs.list({ state, page, pageSize: PAGE_SIZE });
        for (const job of items) {
          // Finishing rows shifts the pages under us: a row may come round twice.
          if (seen.has(job.jobId)) continue;
          seen.add(job.jobId);
          if (await this.release(job)) finished += 1;
        }
        if (items.length < PAGE_SIZE) break;
      }
    }
    return finished;
  }

  /**
   * Finishes one unfinished row if its queue job has ended (or never existed, past the grace
   * period). True when the caller may look again (finished, or finished by someone else meanwhile).
   * Throws when the services needed to finish it are still down.
   */
  async release(job: JobRecord): Promise<boolean> {
    const view = await this.options.job(job.jobId);
    if (!isLost(job, view.state, Date.now(), this.lostGraceMs)) return false;
    // A job records its outcome before the queue marks it finished: judge by a row read now.
    const current = await this.options.services.jobs.get(job.jobId);
    if (!current || !isLost(current, view.state, Date.now(), this.lostGraceMs)) return true;
    const error = view.failure
      ? new AppError(view.failure.code, view.failure.message)
      : new AppError(
          "INTERNAL",
          `the job ended in the queue without recording its outcome: it is ${view.state} in the queue while its row is ${current.state}`,
        );
    const attempt = recordedAttempt(current, Math.max(1, current.attempts));
    if (attempt === null) await failUnreadableJob(this.options.services, current);
    else await failJob(this.options.services, attempt, error);
    this.options.logger.warn(
      { jobId: current.jobId, pluginId: current.pluginId, queueState: view.state, code: error.code },
      "finished a job whose queue job had ended without recording its outcome",
    );
    return true;
  }
}
