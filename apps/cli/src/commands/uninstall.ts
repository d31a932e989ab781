import { uninstallPlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { completeMutation } from "../jobs/complete-mutation.js";

export async function runUninstall(
  ctx: CliContext,
  pluginId: string,
  flags: { cascade?: boolean },
): Promise<number> {
  const { body } = await ctx.client.call(uninstallPlugin, {
    params: { pluginId },
    ...(flags.cascade ? { query: { cascade: true } } : {}),
  });
  return completeMutation(ctx, body);
}

export function registerUninstall(program: Command, host: CommandHost): void {
  program
    .command("uninstall")
    .alias("rm")
    .description("remove a plugin everywhere: memory, caches, object store, database rows, config")
    .argument("<pluginId>")
    .option("--cascade", "also uninstall the plugins that depend on it")
    .action(
      host.action((ctx, pluginId: string, flags: { cascade?: boolean }) =>
        runUninstall(ctx, pluginId, flags),
      ),
    );
}
