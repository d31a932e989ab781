import { ROLLOUT_COMMAND_ROUTES, ROLLOUT_COMMANDS, type RolloutCommand } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { jobResultLines } from "../output/job-format.js";
import { rolloutLines } from "../output/rollout-format.js";

const WHAT: Record<RolloutCommand, string> = {
  pause: "pause a job's rollout: its hold stops until resume, promote or abort",
  resume: "resume a paused rollout: the current step is watched a full hold again",
  abort:
    "abort a job's rollout: nodes on the new version go back to the old one (the job fails ROLLOUT_ABORTED)",
  promote: "promote a job's rollout: every remaining node takes the new version now; the job succeeds",
};

/** `jobs pause|resume|abort|promote <jobId> [--reason text]`: POST /jobs/{jobId}/<command>, then the job's rollout. */
export async function runRolloutCommand(
  ctx: CliContext,
  command: RolloutCommand,
  jobId: string,
  flags: { reason?: string },
): Promise<number> {
  const route = ROLLOUT_COMMAND_ROUTES[command];
  const job = (
    await ctx.client.call(route, {
      params: { jobId },
      json: flags.reason !== undefined ? { reason: flags.reason } : {},
    })
  ).body;
  ctx.out.data(job);
  ctx.out.line(`${command} sent to job ${job.jobId} (${job.state})`);
  for (const line of rolloutLines(job)) ctx.out.line(line);
  if (job.state === "succeeded" || job.state === "failed")
    for (const line of jobResultLines(job)) ctx.out.line(line);
  return EXIT.ok;
}

export function registerRolloutCommands(jobs: Command, host: CommandHost): void {
  for (const command of ROLLOUT_COMMANDS) {
    jobs
      .command(command)
      .description(WHAT[command])
      .argument("<jobId>")
      .option("--reason <text>", "why (kept with the rollout state)")
      .action(
        host.action((ctx, jobId: string, flags: { reason?: string }) =>
          runRolloutCommand(ctx, command, jobId, flags),
        ),
      );
  }
}
