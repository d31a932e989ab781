import type { Logger } from "../ports/logger.js";
import type { JobRecord } from "../ports/plugin-repo.js";
import type { StepRunner } from "./step-runner.js";

/** One attempt of one job, as its definition's run() sees it. */
export interface JobContext {
  jobId: string;
  /** The job's row as it was when this attempt started. */
  job: JobRecord;
  steps: StepRunner;
  logger: Logger;
}
