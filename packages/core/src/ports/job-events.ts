import type { JobEvent } from "@arcade/contracts";

/**
 * Where a job's progress is pushed as it happens (steps, state, node reports, the end), for the
 * live job events. Publishing is best effort: a failure is logged by the implementation and
 * never fails the job, because the job's row stays the record.
 */
export interface JobEventSink {
  publish(jobId: string, event: JobEvent): Promise<void>;
}
