import type { Logger } from "../ports/logger.js";
import type { JobRecord } from "../ports/plugin-repo.js";
import type { StepRunner } from "./step-runner.js";

/** One attempt of one job, as an operation sees it. */
export interface JobContext {
  jobId: string;
  /** The operation row as it was when this attempt started. */
  operation: JobRecord;
  steps: StepRunner;
  logger: Logger;
}
