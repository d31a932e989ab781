import type { JobServices } from "@arcade/core";
import { failJob, runJob } from "@arcade/core";
import type { JobHandlers } from "@arcade/queue";
import { DelayedError } from "bullmq";
import type { OrderingGate } from "./ordering-gate.js";
import { queueFailure } from "./queue-failure.js";

/** The queue's handlers, bound to the operation use cases of the core. */
export function operationHandlers(services: JobServices, gate: OrderingGate | null = null): JobHandlers {
  return {
    run: (attempt) => runJob(services, attempt),
    fail: async (attempt, error) => {
      try {
        await failJob(services, attempt, error);
      } catch {
        // The row stays unfinished (failJob logged why). The queue's failedReason keeps the
        // job's own error, so the recovery can record it once the fault is over.
        throw queueFailure(error);
      }
    },
    retrying: async (attempt) => {
      await services.jobs.update(attempt.jobId, { state: "queued", updatedAt: services.clock.now() });
    },
    shouldRun: async (jobId) => {
      try {
        const op = await services.jobs.get(jobId);
        // No row: the API never finished creating it. Failed: the enqueue was given up on (503).
        if (op === null || op.state === "failed") return false;
        // Succeeded: a re-delivered job; runJob answers the stored result.
        if (op.state !== "succeeded") await gate?.admit(op);
        return true;
      } catch (error) {
        if (error instanceof DelayedError) throw error;
        // Thrown before the handlers' own error handling: the queue retries it like any attempt,
        // and after the last one its failedReason must still name the code (DATABASE_UNAVAILABLE).
        throw queueFailure(error);
      }
    },
  };
}
