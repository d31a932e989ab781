import { enablePlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { completeMutation } from "../jobs/complete-mutation.js";

export async function runEnable(ctx: CliContext, pluginId: string): Promise<number> {
  const { body } = await ctx.client.call(enablePlugin, { params: { pluginId } });
  return completeMutation(ctx, body);
}

export function registerEnable(program: Command, host: CommandHost): void {
  program
    .command("enable")
    .description("enable a plugin on every node; follows the job")
    .argument("<pluginId>")
    .action(host.action((ctx, pluginId: string) => runEnable(ctx, pluginId)));
}
