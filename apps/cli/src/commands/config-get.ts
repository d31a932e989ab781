import { getPluginConfig } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";

/** `config get <pluginId>`: the current config (or the default), as JSON in both modes. */
export async function runConfigGet(ctx: CliContext, pluginId: string): Promise<number> {
  const config = (await ctx.client.call(getPluginConfig, { params: { pluginId } })).body;
  if (ctx.out.json) ctx.out.data(config);
  else ctx.out.line(JSON.stringify(config, null, 2));
  return EXIT.ok;
}

export function registerConfigGet(config: Command, host: CommandHost): void {
  config
    .command("get")
    .description("print a plugin's config as JSON")
    .argument("<pluginId>")
    .action(host.action((ctx, pluginId: string) => runConfigGet(ctx, pluginId)));
}
