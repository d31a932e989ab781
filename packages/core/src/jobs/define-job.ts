import type { JobPayloadSchemas, JobPayloads, JobResult, JobType, StepName } from "@arcade/contracts";
import type { JobContext } from "./job-context.js";
import type { JobServices } from "./services.js";

/**
 * How often a transient fault (database, store, market down) is retried. Bad input never is.
 * "configured": worker.attempts attempts in all, the first retry after worker.backoff_ms,
 * doubling each time.
 */
export type RetryPolicy = "configured" | { attempts: number; backoffMs: number };

/** What a job that failed for good knows when its definition undoes what it left behind. */
export interface FailedJob {
  jobId: string;
  /** The plugin the job worked on (an install's once it claimed its name), or null. */
  pluginId: string | null;
}

/**
 * Everything about one job type, in one place: its payload (the wire schema in contracts, which
 * submitJob checks once as the job enters), the steps a client sees, its retry policy, what an
 * attempt does, and what a final failure undoes. The producer (retry options), the worker
 * (dispatch) and the API (validation) are all built from the registry of these (registry.ts).
 */
export interface JobDefinition<K extends JobType> {
  type: K;
  payload: (typeof JobPayloadSchemas)[K];
  steps: readonly StepName[];
  retry: RetryPolicy;
  /** One attempt. Every step must be idempotent: a retried attempt runs them all again. */
  run(svc: JobServices, ctx: JobContext, payload: JobPayloads[K]): Promise<JobResult>;
  /** Undoes what a failed job left behind (staged uploads, stored objects); idempotent. */
  compensate?(svc: JobServices, job: FailedJob, payload: JobPayloads[K]): Promise<void>;
}

/** Declares a job type; the identity, there for the type checking of one definition. */
export function defineJob<K extends JobType>(definition: JobDefinition<K>): JobDefinition<K> {
  return definition;
}
