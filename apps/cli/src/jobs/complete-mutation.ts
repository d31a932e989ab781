import type { JobResource } from "@arcade/contracts";
import type { CliContext } from "../cli-context.js";
import { reportJobOutcome, reportQueuedJob } from "../output/job-report.js";
import { followJob } from "./follow-job.js";

/** Every mutation answers a job: follow it to the end unless --no-wait. */
export async function completeMutation(ctx: CliContext, job: JobResource): Promise<number> {
  if (!ctx.wait) return reportQueuedJob(job, ctx.out);
  const final = await followJob(ctx.client, job, ctx.out, { intervalMs: ctx.pollIntervalMs });
  return reportJobOutcome(final, ctx.out);
}
