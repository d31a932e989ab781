import { type JobResource, type JobState, type JobType, listJobs } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { shortTime } from "../output/format.js";
import { renderTable } from "../output/table.js";
import { JOB_STATE_VALUES, JOB_TYPE_VALUES } from "./known-values.js";
import { oneOf, positiveInt } from "./option-parsers.js";

export interface JobsListFlags {
  plugin?: string;
  state?: string;
  type?: string;
  page?: number;
  pageSize?: number;
}

/** `jobs`: recent operations, newest first. */
export async function runJobsList(ctx: CliContext, flags: JobsListFlags): Promise<number> {
  // state and type were checked against the known values when the options were parsed.
  const { body: page } = await ctx.client.call(listJobs, {
    query: {
      pluginId: flags.plugin,
      state: flags.state as JobState | undefined,
      type: flags.type as JobType | undefined,
      page: flags.page,
      pageSize: flags.pageSize,
    },
  });
  const { out } = ctx;
  out.data(page);
  if (page.items.length === 0) {
    out.line("no jobs");
    return EXIT.ok;
  }
  const rows = renderTable(
    [
      { header: "JOB ID", value: (j: JobResource) => j.jobId },
      { header: "TYPE", value: (j) => j.type },
      { header: "PLUGIN", value: (j) => j.pluginId ?? "-" },
      { header: "STATE", value: (j) => j.state },
      { header: "STEP", value: (j) => j.step ?? "-" },
      { header: "CREATED", value: (j) => shortTime(j.createdAt) },
      { header: "ERROR", value: (j) => j.error?.code ?? "" },
    ],
    page.items,
  );
  for (const row of rows) out.line(row);
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  out.line(`page ${page.page} of ${pages}, ${page.total} job${page.total === 1 ? "" : "s"}`);
  return EXIT.ok;
}

/** Registers `jobs` (the list) and answers it, so `jobs get` can hang below it. */
export function registerJobsList(program: Command, host: CommandHost): Command {
  return program
    .command("jobs")
    .description("list operations (install, update, ...); `jobs get <jobId>` for one")
    .option("--plugin <pluginId>", "only this plugin's jobs")
    .option("--state <state>", `filter: ${JOB_STATE_VALUES.join(", ")}`, oneOf(JOB_STATE_VALUES))
    .option("--type <type>", `filter: ${JOB_TYPE_VALUES.join(", ")}`, oneOf(JOB_TYPE_VALUES))
    .option("--page <n>", "page number (from 1)", positiveInt)
    .option("--page-size <n>", "jobs per page (max 200)", positiveInt)
    .action(host.action((ctx, flags: JobsListFlags) => runJobsList(ctx, flags)));
}
