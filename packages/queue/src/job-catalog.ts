import type { JobType } from "@arcade/contracts";

export const QUEUE_NAME = "plugin-ops";

export interface JobSpec {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First retry delay; doubles each time (exponential backoff). */
  backoffMs: number;
}

/** Per job type: how often a transient fault is retried. Bad input is never retried. */
export function jobCatalog(defaults: JobSpec): Record<JobType, JobSpec> {
  return {
    install: defaults,
    update: defaults,
    uninstall: defaults,
    enable: defaults,
    disable: defaults,
    configure: defaults,
    rollback: defaults,
  };
}
