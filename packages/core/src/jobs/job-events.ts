import type { JobEvent } from "@arcade/contracts";
import { jobResource } from "./job-resource.js";
import type { JobServices } from "./services.js";

/** Pushes one live event of a job (best effort: the sink never fails the job). */
export function emitJobEvent(
  svc: Pick<JobServices, "jobEvents">,
  jobId: string,
  event: JobEvent,
): Promise<void> {
  return svc.jobEvents?.publish(jobId, event) ?? Promise.resolve();
}

/** The `end` event: the job as its row now records it (read after the final write). */
export async function emitJobEnd(svc: Pick<JobServices, "jobEvents" | "jobs">, jobId: string): Promise<void> {
  if (!svc.jobEvents) return;
  const row = await svc.jobs.get(jobId).catch(() => null);
  if (row) await svc.jobEvents.publish(jobId, { type: "end", job: jobResource(row) });
}
