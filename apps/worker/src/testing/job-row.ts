import type { JobPayloads, JobType } from "@arcade/contracts";
import type { JobRecord } from "@arcade/core";

/** A job row as the API writes it when it accepts a request (state queued). */
export function jobRow<T extends JobType>(
  jobId: string,
  type: T,
  payload: JobPayloads[T],
  overrides: Partial<JobRecord> = {},
): JobRecord {
  const pluginId = (payload as { pluginId?: string }).pluginId ?? null;
  const now = new Date();
  return {
    jobId,
    type,
    pluginId,
    lockKey: pluginId,
    idempotencyKey: null,
    state: "queued",
    step: null,
    progress: 0,
    steps: [],
    attempts: 0,
    payload,
    error: null,
    result: null,
    requestedBy: "worker-tests",
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    ...overrides,
  };
}
