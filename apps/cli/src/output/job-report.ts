import type { JobResource } from "@arcade/contracts";
import { EXIT } from "../errors.js";
import { hintFor } from "./hints.js";
import { jobResultLines, stepsSummary } from "./job-format.js";
import type { Output } from "./output.js";

/** Prints a job's final state and answers the exit code: 0 succeeded, 1 failed (or unfinished). */
export function reportJobOutcome(job: JobResource, out: Output): number {
  out.data(job);
  if (job.steps.length > 0) out.line(`  ${stepsSummary(job.steps)}`);
  const lines = jobResultLines(job);
  if (job.state === "failed") {
    for (const line of lines) out.error(line);
    // The recorded error carries the problem's members (e.g. the existing pluginId of PLUGIN_EXISTS).
    const hint = job.error ? hintFor(job.error.code, 0, job.error) : undefined;
    if (hint) out.error(`hint: ${hint}`);
    return EXIT.failed;
  }
  for (const line of lines) out.line(line);
  return job.state === "succeeded" ? EXIT.ok : EXIT.failed;
}

/** --no-wait: the job is queued; say how to follow it. */
export function reportQueuedJob(job: JobResource, out: Output): number {
  out.data(job);
  out.line(`job ${job.jobId} ${job.state}: ${job.type}${job.pluginId ? ` ${job.pluginId}` : ""}`);
  out.line(`follow it with \`arcade-plugins jobs get ${job.jobId} --follow\``);
  return EXIT.ok;
}
