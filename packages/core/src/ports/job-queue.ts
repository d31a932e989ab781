import type { JobPayloads, JobType } from "@arcade/contracts";

/** The queue as its producers see it: enqueue under our own job id (a repeat is a no-op). */
export interface JobQueue {
  enqueue<T extends JobType>(type: T, jobId: string, payload: JobPayloads[T]): Promise<void>;
}
