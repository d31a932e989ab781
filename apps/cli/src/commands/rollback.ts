import { rollbackPlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";

export async function runRollback(
  ctx: CliContext,
  pluginId: string,
  flags: { to?: string } & PlanFlags,
): Promise<number> {
  const send = (dryRun: boolean) =>
    ctx.client.call(rollbackPlugin, {
      params: { pluginId },
      json: flags.to ? { version: flags.to } : {},
      ...(dryRun ? { query: { dryRun } } : {}),
    });
  return runMutation(ctx, flags, {
    plan: async () => asPlan((await send(true)).body),
    send: async () => (await send(false)).body,
  });
}

export function registerRollback(program: Command, host: CommandHost): void {
  withPlanOptions(
    program
      .command("rollback")
      .description("go back to a retained version (default: the previous one); follows the job")
      .argument("<pluginId>")
      .option("--to <version>", "the version to go back to (see `arcade-plugins versions`)"),
  ).action(
    host.action((ctx, pluginId: string, flags: { to?: string } & PlanFlags) =>
      runRollback(ctx, pluginId, flags),
    ),
  );
}
