import { findPredecessor, type JobRecord, type JobRepo, type Logger } from "@arcade/core";

export interface OrderingGateOptions {
  jobs: JobRepo;
  logger: Logger;
  /** How long a job that must wait for an earlier one sits in the delayed set before it looks again. */
  deferMs: number;
  /** Finishes a lost earlier job (see job-recovery.ts); true when the caller may look again. */
  release(job: JobRecord): Promise<boolean>;
}

/**
 * Keeps the jobs of one plugin in creation order across every worker process, for rows that
 * hold no lock key. Every job submitJob writes holds its plugin's lock (an install from the
 * moment it claims its name), so two unfinished jobs of one plugin cannot both exist and this
 * gate always lets them through; it orders rows a caller wrote without a lock key. A job that
 * must wait is deferred (the queue puts it back into its delayed set, which does not count as
 * an attempt) instead of holding a worker slot, so the earlier job can always get one. A lost
 * earlier row (its queue job ended without recording an outcome) is finished first.
 */
export class OrderingGate {
  constructor(private readonly options: OrderingGateOptions) {}

  /** null when the job may run now, else how long to defer it. */
  async admit(job: JobRecord): Promise<{ deferMs: number; reason: string } | null> {
    for (;;) {
      const before = await findPredecessor(this.options.jobs, job);
      if (!before) return null;
      if (await this.options.release(before)) continue;
      this.options.logger.debug(
        { jobId: job.jobId, pluginId: job.pluginId, waitingFor: before.jobId },
        "job deferred behind an earlier one of the same plugin",
      );
      return {
        deferMs: this.options.deferMs,
        reason: `waiting for job ${before.jobId} on plugin ${job.pluginId}`,
      };
    }
  }
}
