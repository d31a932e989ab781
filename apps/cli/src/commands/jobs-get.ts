import { getJob } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { followJob, isFinished } from "../jobs/follow-job.js";
import { shortTime } from "../output/format.js";
import { jobResultLines, stepLine } from "../output/job-format.js";
import { reportJobOutcome } from "../output/job-report.js";
import { rolloutLines } from "../output/rollout-format.js";

/**
 * `jobs get <jobId> [--follow]`: one job; with --follow, polls and prints each
 * step as it changes until the job ends. Exit 0 when it succeeded, 1 when it failed.
 */
export async function runJobsGet(
  ctx: CliContext,
  jobId: string,
  flags: { follow?: boolean },
): Promise<number> {
  const job = (await ctx.client.call(getJob, { params: { jobId } })).body;
  if (flags.follow) {
    const final = await followJob(ctx.client, job, ctx.out, { intervalMs: ctx.pollIntervalMs });
    return reportJobOutcome(final, ctx.out);
  }
  const { out } = ctx;
  out.line(`job ${job.jobId}  ${job.type}${job.pluginId ? ` ${job.pluginId}` : ""}  ${job.state}`);
  out.line(`  requested by ${job.requestedBy} at ${shortTime(job.createdAt)}, attempts ${job.attempts}`);
  for (const step of job.steps) out.line(stepLine(step));
  for (const line of rolloutLines(job)) out.line(line);
  if (isFinished(job)) return reportJobOutcome(job, out);
  out.data(job);
  for (const line of jobResultLines(job)) out.line(line);
  out.line(`follow it with \`arcade-plugins jobs get ${job.jobId} --follow\``);
  return EXIT.ok;
}

export function registerJobsGet(jobs: Command, host: CommandHost): void {
  jobs
    .command("get")
    .description("show one job; --follow prints its steps until it ends (exit 1 if it fails)")
    .argument("<jobId>")
    .option("-f, --follow", "poll until the job ends")
    .action(host.action((ctx, jobId: string, flags: { follow?: boolean }) => runJobsGet(ctx, jobId, flags)));
}
