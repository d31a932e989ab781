import type { JobRecord } from "@arcade/core";

/** What BullMQ's Queue.getJobState answers. */
export type QueueJobState =
  | "completed"
  | "failed"
  | "delayed"
  | "active"
  | "waiting"
  | "waiting-children"
  | "prioritized"
  | "unknown";

/**
 * True when an unfinished operation row can no longer finish by itself: its
 * queue job has ended (the worker could not record the outcome), or the queue
 * never heard of it and the row is older than `graceMs` (the API writes the row
 * first and enqueues right after, so a young row without a job is normal).
 */
export function isLost(operation: JobRecord, state: QueueJobState, now: number, graceMs: number): boolean {
  if (operation.state !== "queued" && operation.state !== "running") return false;
  if (state === "completed" || state === "failed") return true;
  return state === "unknown" && now - operation.createdAt.getTime() > graceMs;
}
