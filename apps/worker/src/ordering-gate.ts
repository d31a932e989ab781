import { findPredecessor, type JobRecord, type JobRepo, type Logger } from "@arcade/core";
import { DelayedError, type Job, type Worker } from "bullmq";
import { isLost, type QueueJobState } from "./lost-operation.js";

export interface OrderingGateOptions {
  jobs: JobRepo;
  logger: Logger;
  /** How long a job that must wait for an earlier one sits in the delayed set before it looks again. */
  deferMs: number;
  /** The queue's state of a job, to spot an unfinished row whose job is gone (see lost-operation.ts). */
  jobState(jobId: string): Promise<QueueJobState>;
  /** A row whose job is unknown to the queue is only called lost once it is this old. Default 60 s. */
  lostGraceMs?: number;
  /**
   * Finishes a lost earlier operation (compensating it, see operation-recovery.ts); true when
   * the caller may look again. Without it the row is only marked failed (INTERNAL).
   */
  release?(operation: JobRecord): Promise<boolean>;
}

/**
 * Keeps the operations of one plugin in creation order across every worker
 * process: a job whose plugin still has an earlier unfinished operation is put
 * back into BullMQ's delayed set (moveToDelayed with the worker's lock token,
 * then DelayedError, as BullMQ documents) instead of holding a worker slot, so
 * the earlier job can always get one. Delaying does not count as an attempt.
 *
 * The lock token is only on the Job object the worker fetched, so attach()
 * remembers each job as it becomes active; admit() is called from the
 * handlers' shouldRun, which createJobWorker runs before its error handling,
 * so the DelayedError reaches BullMQ itself.
 */
export class OrderingGate {
  private readonly active = new Map<string, Job>();
  private readonly lostGraceMs: number;

  constructor(private readonly options: OrderingGateOptions) {
    this.lostGraceMs = options.lostGraceMs ?? 60_000;
  }

  attach(worker: Worker): void {
    worker.on("active", (job) => {
      if (job.id) this.active.set(job.id, job);
    });
    const forget = (job: Job | undefined) => {
      if (job?.id) this.active.delete(job.id);
    };
    worker.on("completed", forget);
    worker.on("failed", forget);
  }

  /** Returns when the operation may run now; throws DelayedError once its job was put back to wait. */
  async admit(operation: JobRecord): Promise<void> {
    const job = this.active.get(operation.jobId);
    this.active.delete(operation.jobId);
    for (;;) {
      const before = await findPredecessor(this.options.jobs, operation);
      if (!before) return;
      if (await this.releaseIfLost(before)) continue;
      if (job?.token) {
        this.options.logger.debug(
          { jobId: operation.jobId, pluginId: operation.pluginId, waitingFor: before.jobId },
          "operation deferred behind an earlier one of the same plugin",
        );
        await job.moveToDelayed(Date.now() + this.options.deferMs, job.token);
        throw new DelayedError(`waiting for job ${before.jobId} on plugin ${operation.pluginId}`);
      }
      // Not fetched by an attached worker (no lock token to hand the job back with): wait here.
      this.options.logger.warn(
        { jobId: operation.jobId, waitingFor: before.jobId },
        "ordering gate has no lock token for this job; waiting in process",
      );
      await new Promise((r) => setTimeout(r, this.options.deferMs));
    }
  }

  /**
   * An unfinished row whose queue job has ended (its failure could not be
   * recorded, e.g. the database was down) would block the plugin for ever:
   * record it as failed and let the next operation go. True when the caller
   * should look for a predecessor again.
   */
  private async releaseIfLost(earlier: JobRecord): Promise<boolean> {
    if (this.options.release) return this.options.release(earlier);
    const state = await this.options.jobState(earlier.jobId);
    if (!isLost(earlier, state, Date.now(), this.lostGraceMs)) return false;
    // The row we hold may be stale: a job records its outcome before the queue marks it
    // finished, so a row read after the queue state is the one to judge by.
    const operation = await this.options.jobs.get(earlier.jobId);
    if (!operation || !isLost(operation, state, Date.now(), this.lostGraceMs)) return true;
    const now = new Date();
    await this.options.jobs.update(operation.jobId, {
      state: "failed",
      error: {
        code: "INTERNAL",
        message: `the job ended in the queue (${state}) without recording its outcome; released so later operations can run`,
      },
      finishedAt: now,
      updatedAt: now,
    });
    this.options.logger.warn(
      { jobId: operation.jobId, pluginId: operation.pluginId, queueState: state },
      "released an operation whose queue job was lost; check the plugin's state",
    );
    return true;
  }
}
