import { listPlugins, type PluginResource, type PluginType } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { shortTime, statusName } from "../output/format.js";
import { renderTable } from "../output/table.js";
import { PLUGIN_TYPE_VALUES } from "./known-values.js";
import { oneOf, positiveInt } from "./option-parsers.js";

export interface ListFlags {
  type?: string;
  status?: string;
  source?: string;
  query?: string;
  name?: string;
  ids?: boolean;
  page?: number;
  pageSize?: number;
}

const STATUS_VALUES: Record<string, 0 | 1 | 2> = {
  disabled: 0,
  enabled: 1,
  error: 2,
  "0": 0,
  "1": 1,
  "2": 2,
};

export async function runList(ctx: CliContext, flags: ListFlags): Promise<number> {
  // type, status and source were checked against the known values when the options were parsed.
  const { body: page } = await ctx.client.call(listPlugins, {
    query: {
      pluginType: flags.type as PluginType | undefined,
      status: flags.status === undefined ? undefined : STATUS_VALUES[flags.status],
      source: flags.source as "local" | "market" | undefined,
      q: flags.query,
      name: flags.name,
      page: flags.page,
      pageSize: flags.pageSize,
    },
  });
  const { out } = ctx;
  if (flags.ids) {
    // For scripts: ID=$(arcade-plugins list --name notify-stdout --ids)
    if (out.json) out.data(page.items.map((p) => p.pluginId));
    else for (const p of page.items) out.stdout.write(`${p.pluginId}\n`);
    return EXIT.ok;
  }
  out.data(page);
  if (page.items.length === 0) {
    out.line(page.total === 0 ? "no plugins" : `no plugins on page ${page.page} (${page.total} in all)`);
    if (page.total === 0) out.line("install one with `arcade-plugins install <zip>`");
    return EXIT.ok;
  }
  const rows = renderTable(
    [
      { header: "PLUGIN ID", value: (p: PluginResource) => p.pluginId },
      { header: "NAME", value: (p) => p.name },
      {
        header: "VERSION",
        value: (p) => (p.updateAvailable ? `${p.version} (${p.latestVersion} available)` : p.version),
      },
      { header: "TYPE", value: (p) => p.pluginType },
      { header: "STATUS", value: (p) => statusName(p.isEnabled) },
      { header: "SOURCE", value: (p) => p.source },
      { header: "UPDATED", value: (p) => shortTime(p.updateTime) },
    ],
    page.items,
  );
  for (const row of rows) out.line(row);
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  out.line(`page ${page.page} of ${pages}, ${page.total} plugin${page.total === 1 ? "" : "s"}`);
  return EXIT.ok;
}

export function registerList(program: Command, host: CommandHost): void {
  program
    .command("list")
    .alias("ls")
    .description("list installed plugins")
    .option(
      "--type <pluginType>",
      `filter by type (${PLUGIN_TYPE_VALUES.join(", ")})`,
      oneOf(PLUGIN_TYPE_VALUES),
    )
    .option(
      "--status <status>",
      "filter: enabled, disabled, error (or 1, 0, 2)",
      oneOf(Object.keys(STATUS_VALUES)),
    )
    .option("--source <source>", "filter: local or market", oneOf(["local", "market"]))
    .option("-q, --query <text>", "search in names and descriptions")
    .option("--name <name>", "only the plugin of exactly this name")
    .option("--ids", "print only the plugin ids, one per line (for scripts)")
    .option("--page <n>", "page number (from 1)", positiveInt)
    .option("--page-size <n>", "plugins per page (max 200)", positiveInt)
    .action(host.action((ctx, flags: ListFlags) => runList(ctx, flags)));
}
