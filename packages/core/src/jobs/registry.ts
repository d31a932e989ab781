import type { JobType } from "@arcade/contracts";
import { configureJob } from "./configure-job.js";
import type { JobDefinition, RetryPolicy } from "./define-job.js";
import { installJob } from "./install-job.js";
import { rollbackJob } from "./rollback-job.js";
import { disableJob, enableJob } from "./set-enabled-jobs.js";
import { uninstallJob } from "./uninstall-job.js";
import { updateJob } from "./update-job.js";

/**
 * Every job type and its one definition. The mapped type makes a missing or mistyped entry a
 * compile error; the producer's retry options, the payload validation and the worker's
 * dispatch are read from here.
 */
export const JOBS: { readonly [K in JobType]: JobDefinition<K> } = {
  install: installJob,
  update: updateJob,
  uninstall: uninstallJob,
  enable: enableJob,
  disable: disableJob,
  configure: configureJob,
  rollback: rollbackJob,
};

/** The attempts and first backoff of `type`, given worker.attempts and worker.backoff_ms. */
export function retryOf(type: JobType, configured: { attempts: number; backoffMs: number }) {
  const policy: RetryPolicy = JOBS[type].retry;
  return policy === "configured" ? configured : policy;
}
