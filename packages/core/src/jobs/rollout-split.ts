import type { ConvergenceNodes, RolloutBatch } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/**
 * An A/B `split` batch (every node serves both versions in the requested shares, until promote
 * or abort). Placeholder of the driver's dispatch: the A/B strategy (helper "phases") replaces it.
 */
export async function applySplit(
  _svc: JobServices,
  run: RolloutRun,
  batch: RolloutBatch,
): Promise<ConvergenceNodes> {
  throw new AppError(
    "VALIDATION_FAILED",
    `step ${batch.step} of the rollout of ${run.toVersion} is an A/B split, which this platform does not run yet`,
  );
}
