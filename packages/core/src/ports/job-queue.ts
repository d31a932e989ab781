import type { JobType } from "@arcade/contracts";

/**
 * The queue as its producers see it. It carries only the job's id (and its type, for people
 * looking at the queue): the worker runs what the job's row recorded, never what Redis says.
 * Enqueueing under our own job id makes a repeat a no-op.
 */
export interface JobQueue {
  enqueue(job: { jobId: string; type: JobType }): Promise<void>;
}
