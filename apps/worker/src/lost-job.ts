import type { JobRecord } from "@arcade/core";
import type { QueueJobState } from "@arcade/queue";

export type { QueueJobState } from "@arcade/queue";

/**
 * True when an unfinished job row can no longer finish by itself: its queue job has ended (the
 * worker could not record the outcome), or the queue never heard of it and the row is older
 * than `graceMs` (the API writes the row first and enqueues right after, so a young row
 * without a queue job is normal).
 */
export function isLost(job: JobRecord, state: QueueJobState, now: number, graceMs: number): boolean {
  if (job.state !== "queued" && job.state !== "running") return false;
  if (state === "completed" || state === "failed") return true;
  return state === "unknown" && now - job.createdAt.getTime() > graceMs;
}
