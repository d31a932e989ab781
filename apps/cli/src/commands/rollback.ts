import { rollbackPlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { completeMutation } from "../jobs/complete-mutation.js";

export async function runRollback(
  ctx: CliContext,
  pluginId: string,
  flags: { to?: string },
): Promise<number> {
  const { body } = await ctx.client.call(rollbackPlugin, {
    params: { pluginId },
    json: flags.to ? { version: flags.to } : {},
  });
  return completeMutation(ctx, body);
}

export function registerRollback(program: Command, host: CommandHost): void {
  program
    .command("rollback")
    .description("go back to a retained version (default: the previous one); follows the job")
    .argument("<pluginId>")
    .option("--to <version>", "the version to go back to (see `arcade-plugins versions`)")
    .action(
      host.action((ctx, pluginId: string, flags: { to?: string }) => runRollback(ctx, pluginId, flags)),
    );
}
