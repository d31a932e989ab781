import { listPluginVersions, type PluginVersionResource } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { humanSize, shortSha, shortTime } from "../output/format.js";
import { renderTable } from "../output/table.js";

/** `versions <pluginId>`: the retained versions a rollback can go to. */
export async function runVersions(ctx: CliContext, pluginId: string): Promise<number> {
  const page = (await ctx.client.call(listPluginVersions, { params: { pluginId } })).body;
  ctx.out.data(page);
  const rows = renderTable(
    [
      { header: "VERSION", value: (v: PluginVersionResource) => `${v.version}${v.current ? " *" : ""}` },
      { header: "SIZE", value: (v) => humanSize(v.size) },
      { header: "SHA256", value: (v) => shortSha(v.checksum) },
      { header: "CREATED", value: (v) => shortTime(v.createdAt) },
    ],
    page.items,
  );
  for (const row of rows) ctx.out.line(row);
  ctx.out.line("* current; go back with `arcade-plugins rollback <pluginId> [--to <version>]`");
  return EXIT.ok;
}

export function registerVersions(program: Command, host: CommandHost): void {
  program
    .command("versions")
    .description("list a plugin's retained versions")
    .argument("<pluginId>")
    .action(host.action((ctx, pluginId: string) => runVersions(ctx, pluginId)));
}
