import type { JobState } from "@arcade/contracts";
import type { JobRecord, JobRepo } from "../ports/plugin-repo.js";

/**
 * The list is read one state at a time, so a job moving between states
 * while we read could slip through: queued -> running (an attempt starts)
 * between the first two reads, or running -> queued (a retry) between the last
 * two. Reading queued, running, queued again, it would have to do both, and a
 * retry waits out its backoff before it starts again.
 */
const READ_ORDER: readonly JobState[] = ["queued", "running", "queued"];
const PAGE_SIZE = 100;

/**
 * The order jobs on one plugin are applied in: creation time, then job id
 * (rows created in the same millisecond still get one order every worker agrees on).
 */
export function createdBefore(a: JobRecord, b: JobRecord): boolean {
  const at = a.createdAt.getTime();
  const bt = b.createdAt.getTime();
  return at < bt || (at === bt && a.jobId < b.jobId);
}

/**
 * The oldest unfinished job on the same plugin created before `job`,
 * or null when it may run now. The API's lock key already keeps two unfinished
 * jobs of one plugin apart; this covers callers that create rows without
 * one (internal jobs) and keeps them in creation order across every worker.
 * Installs have no plugin id until they claim a name, so they never wait.
 */
export async function findPredecessor(jobs: JobRepo, job: JobRecord): Promise<JobRecord | null> {
  const pluginId = job.pluginId;
  if (!pluginId) return null;
  let oldest: JobRecord | null = null;
  for (const state of READ_ORDER) {
    for (let page = 1; ; page++) {
      const { items } = await jobs.list({ pluginId, state, page, pageSize: PAGE_SIZE });
      for (const other of items) {
        if (other.jobId === job.jobId || !createdBefore(other, job)) continue;
        if (!oldest || createdBefore(other, oldest)) oldest = other;
      }
      if (items.length < PAGE_SIZE) break;
    }
  }
  return oldest;
}
