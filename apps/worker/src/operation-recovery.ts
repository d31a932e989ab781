import type { JobPayloads, JobType } from "@arcade/contracts";
import { failJob, type JobRecord, type JobServices, type Logger } from "@arcade/core";
import { isLost, type QueueJobState } from "./lost-operation.js";
import { errorFromFailedReason } from "./queue-failure.js";

/** What the queue knows about one job. */
export interface QueueJobView {
  state: QueueJobState;
  /** The message of its last failure (BullMQ failedReason), when it failed. */
  failedReason: string | null;
}

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
 * Finishes operations whose queue job has ended without their outcome on the row: the worker
 * gave up on the job while the database or the object store was down, so it could neither undo
 * what the job left behind nor record the failure (failJob leaves the row unfinished
 * then), or BullMQ failed the job itself (stalled too often). Each such row is compensated and
 * recorded as failed with the code the job failed with, through failJob, as soon as the
 * services answer again. Every worker runs this now and then; two workers finishing the same
 * row do the same idempotent work.
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
        for (const operation of items) {
          // Finishing rows shifts the pages under us: a row may come round twice.
          if (seen.has(operation.jobId)) continue;
          seen.add(operation.jobId);
          if (await this.release(operation)) finished += 1;
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
  async release(operation: JobRecord): Promise<boolean> {
    const view = await this.options.job(operation.jobId);
    if (!isLost(operation, view.state, Date.now(), this.lostGraceMs)) return false;
    // A job records its outcome before the queue marks it finished: judge by a row read now.
    const current = await this.options.services.jobs.get(operation.jobId);
    if (!current || !isLost(current, view.state, Date.now(), this.lostGraceMs)) return true;
    const error =
      view.state === "failed"
        ? errorFromFailedReason(view.failedReason)
        : errorFromFailedReason(
            `the job is ${view.state} in the queue while its operation is ${current.state}`,
          );
    await failJob(
      this.options.services,
      {
        jobId: current.jobId,
        type: current.type as JobType,
        payload: current.payload as unknown as JobPayloads[JobType],
        attempt: Math.max(1, current.attempts),
      },
      error,
    );
    this.options.logger.warn(
      { jobId: current.jobId, pluginId: current.pluginId, queueState: view.state, code: error.code },
      "finished an operation whose job had ended without recording its outcome",
    );
    return true;
  }
}
