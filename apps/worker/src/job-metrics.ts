import { JOB_TYPES, type JobType } from "@arcade/contracts";
import type { JobRecord, JobRepo, Logger } from "@arcade/core";
import type { EndedJob } from "@arcade/queue";
import type { ArcadeMetrics } from "@arcade/telemetry";

export type JobMetrics = Pick<ArcadeMetrics, "jobsTotal" | "jobDurationSeconds" | "jobStepDurationSeconds">;

export interface JobMetricsOptions {
  /** The queue worker whose ended jobs are counted (JobWorker of @arcade/queue). */
  worker: { onEnded(listener: (job: EndedJob) => void): void };
  /** Read once per finished job (its state and step times); a failed read only loses the steps. */
  jobs: Pick<JobRepo, "get">;
  metrics: JobMetrics;
  logger: Logger;
}

/** Job ids already counted by this process (a re-delivered finished job must not count twice). */
const REMEMBERED = 5000;

/**
 * Counts the jobs this worker ends, from the queue's own events: `arcade_jobs_total{type,state}`
 * with state succeeded or failed (failed only when no retry follows: BullMQ sets finishedOn
 * then), `arcade_job_duration_seconds{type}` from enqueue to end (what a client waits, queue
 * time and retries included) and `arcade_job_step_duration_seconds{step}` from the steps the
 * job's row recorded. Not counted: attempts that will be retried, jobs skipped because their row was already over, and jobs whose end
 * another process records (the recovery sweep).
 */
export function observeJobMetrics(options: JobMetricsOptions): void {
  const { worker, metrics, logger } = options;
  const counted = new Set<string>();

  const record = async (job: EndedJob) => {
    const { jobId, state } = job;
    if (!jobId || counted.has(jobId)) return;
    let row: JobRecord | null | undefined;
    try {
      row = await options.jobs.get(jobId);
    } catch (error) {
      logger.debug({ err: error, jobId }, "the row of a finished job could not be read for its step times");
    }
    // A job the worker skipped (no row, or a row the API had already failed) ran nothing.
    if (state === "succeeded" && row !== undefined && row?.state !== "succeeded") return;
    if (counted.has(jobId)) return;
    counted.add(jobId);
    if (counted.size > REMEMBERED) counted.delete(counted.values().next().value as string);

    // The row's type; the queue's name only when the row could not be read (and it is a known type).
    const type: JobType | undefined = row?.type ?? JOB_TYPES.find((t) => t === job.name);
    if (type === undefined) return;
    metrics.jobsTotal.inc({ type, state });
    metrics.jobDurationSeconds.observe({ type }, Math.max(0, job.finishedAt - job.enqueuedAt) / 1000);
    for (const step of row?.steps ?? []) {
      if (!step.startedAt || !step.finishedAt) continue;
      const seconds = (Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) {
        metrics.jobStepDurationSeconds.observe({ step: step.name }, seconds);
      }
    }
  };

  worker.onEnded((job) => void record(job));
}
