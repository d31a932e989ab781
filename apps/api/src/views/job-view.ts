import type { JobResource } from "@arcade/contracts";
import type { JobRecord } from "@arcade/core";

export function jobView(op: JobRecord): JobResource {
  return {
    jobId: op.jobId,
    type: op.type,
    pluginId: op.pluginId,
    state: op.state,
    step: op.step,
    progress: op.progress,
    steps: op.steps,
    attempts: op.attempts,
    error: op.error,
    result: op.result,
    createdAt: op.createdAt.toISOString(),
    finishedAt: op.finishedAt ? op.finishedAt.toISOString() : null,
    requestedBy: op.requestedBy,
  };
}
