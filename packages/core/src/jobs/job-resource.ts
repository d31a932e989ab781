import type { JobResource } from "@arcade/contracts";
import type { JobRecord } from "../ports/plugin-repo.js";

/** The job resource clients see (architecture §4), from its row: the answer and the `end` event agree. */
export function jobResource(row: JobRecord): JobResource {
  return {
    jobId: row.jobId,
    type: row.type,
    pluginId: row.pluginId,
    state: row.state,
    step: row.step,
    progress: row.progress,
    steps: row.steps,
    attempts: row.attempts,
    error: row.error,
    result: row.result,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt ? row.finishedAt.toISOString() : null,
    requestedBy: row.requestedBy,
  };
}
