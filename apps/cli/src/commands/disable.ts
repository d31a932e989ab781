import { disablePlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { completeMutation } from "../jobs/complete-mutation.js";

export async function runDisable(
  ctx: CliContext,
  pluginId: string,
  flags: { cascade?: boolean },
): Promise<number> {
  const { body } = await ctx.client.call(disablePlugin, {
    params: { pluginId },
    ...(flags.cascade ? { query: { cascade: true } } : {}),
  });
  return completeMutation(ctx, body);
}

export function registerDisable(program: Command, host: CommandHost): void {
  program
    .command("disable")
    .description("disable a plugin on every node; follows the job")
    .argument("<pluginId>")
    .option("--cascade", "also disable the plugins that depend on it")
    .action(
      host.action((ctx, pluginId: string, flags: { cascade?: boolean }) => runDisable(ctx, pluginId, flags)),
    );
}
