import type { OperationServices } from "@arcade/core";
import { failOperation, runOperation } from "@arcade/core";
import type { JobHandlers } from "@arcade/queue";
import type { OrderingGate } from "./ordering-gate.js";

/** The queue's handlers, bound to the operation use cases of the core. */
export function operationHandlers(
  services: OperationServices,
  gate: OrderingGate | null = null,
): JobHandlers {
  return {
    run: (attempt) => runOperation(services, attempt),
    fail: (attempt, error) => failOperation(services, attempt, error),
    retrying: async (attempt) => {
      await services.operations.update(attempt.jobId, { state: "queued", updatedAt: services.clock.now() });
    },
    shouldRun: async (jobId) => {
      const op = await services.operations.get(jobId);
      // No row: the API never finished creating it. Failed: the enqueue was given up on (503).
      if (op === null || op.state === "failed") return false;
      // Succeeded: a re-delivered job; runOperation answers the stored result.
      if (op.state !== "succeeded") await gate?.admit(op);
      return true;
    },
  };
}
