import { getPlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { shortTime, statusName } from "../output/format.js";
import { renderTable } from "../output/table.js";

/** `get <pluginId>`: the plugin resource and its load state on every node. */
export async function runGet(ctx: CliContext, pluginId: string): Promise<number> {
  const plugin = (await ctx.client.call(getPlugin, { params: { pluginId } })).body;
  const { out } = ctx;
  out.data(plugin);
  out.line(`${plugin.pluginId}  ${plugin.name} ${plugin.version} (${plugin.pluginType})`);
  const fields: [string, string | undefined][] = [
    ["status", statusName(plugin.isEnabled)],
    ["source", plugin.source],
    ["description", plugin.description],
    ["author", plugin.author],
    ["entryPoint", plugin.entryPoint],
    ["checksum", plugin.checksum],
    ["s3Path", plugin.s3Path],
    ["repository", plugin.repository],
    ["installed", shortTime(plugin.installTime)],
    ["updated", shortTime(plugin.updateTime)],
    ["config", plugin.configSchema ? "has a configSchema (`arcade-plugins config get`)" : "none"],
    ["params", plugin.paramsSchema ? "has a paramsSchema (see --json)" : "none"],
  ];
  if (plugin.updateAvailable) fields.push(["update", `${plugin.latestVersion} is available in the market`]);
  for (const [name, value] of fields) if (value) out.line(`  ${name.padEnd(12)}${value}`);

  const nodes = plugin.nodes ?? [];
  out.line();
  if (nodes.length === 0) {
    out.line("nodes: none has reported this plugin (see `arcade-plugins nodes`)");
    return EXIT.ok;
  }
  const table = renderTable(
    [
      { header: "NODE", value: (n: (typeof nodes)[number]) => n.nodeId },
      { header: "VERSION", value: (n) => n.version },
      { header: "STATE", value: (n) => n.state },
      { header: "ERROR", value: (n) => n.error ?? "" },
    ],
    nodes,
  );
  for (const row of table) out.line(row);
  return EXIT.ok;
}

export function registerGet(program: Command, host: CommandHost): void {
  program
    .command("get")
    .description("show a plugin, including its load state on each node")
    .argument("<pluginId>")
    .action(host.action((ctx, pluginId: string) => runGet(ctx, pluginId)));
}
