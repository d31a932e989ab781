import { setTimeout as sleep } from "node:timers/promises";
import type { JobResource } from "@arcade/contracts";
import type { ApiClient } from "../api-client.js";
import { ApiError, ConnectionError } from "../errors.js";
import { stepLine } from "../output/job-format.js";
import type { Output } from "../output/output.js";

export function isFinished(job: JobResource): boolean {
  return job.state === "succeeded" || job.state === "failed";
}

export interface FollowOptions {
  intervalMs: number;
  /** Consecutive failed polls tolerated (a restarting API, a 503) before giving up. */
  maxPollFailures?: number;
}

/**
 * Polls a job until it ends, printing a line whenever a step changes state
 * (and when the worker retries), and answers the final job.
 */
export async function followJob(
  client: ApiClient,
  first: JobResource,
  out: Output,
  options: FollowOptions,
): Promise<JobResource> {
  const seen = new Map<string, string>();
  let attempts = first.attempts;
  let job = first;
  let failures = 0;
  const report = (current: JobResource) => {
    if (current.attempts > attempts) {
      // A retry runs the steps again: show them again.
      if (attempts > 0) out.progress(`  ↻ attempt ${current.attempts}`);
      seen.clear();
      attempts = current.attempts;
    }
    for (const step of current.steps) {
      if (step.state === "pending" || seen.get(step.name) === step.state) continue;
      seen.set(step.name, step.state);
      out.progress(stepLine(step));
    }
  };

  out.progress(`job ${job.jobId}: ${job.type}${job.pluginId ? ` ${job.pluginId}` : ""} (${job.state})`);
  report(job);
  while (!isFinished(job)) {
    await sleep(options.intervalMs);
    try {
      job = await client.get<JobResource>(`/jobs/${encodeURIComponent(job.jobId)}`);
      failures = 0;
    } catch (error) {
      if (!isPassing(error) || ++failures > (options.maxPollFailures ?? 5)) throw error;
      continue;
    }
    report(job);
  }
  return job;
}

function isPassing(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  return error instanceof ApiError && (error.problem.status === 503 || error.problem.status === 429);
}
