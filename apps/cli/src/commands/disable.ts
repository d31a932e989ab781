import { disablePlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";

export async function runDisable(
  ctx: CliContext,
  pluginId: string,
  flags: { cascade?: boolean } & PlanFlags,
): Promise<number> {
  const send = (dryRun: boolean) =>
    ctx.client.call(disablePlugin, {
      params: { pluginId },
      query: { ...(flags.cascade ? { cascade: true } : {}), ...(dryRun ? { dryRun } : {}) },
    });
  return runMutation(ctx, flags, {
    plan: async () => asPlan((await send(true)).body),
    send: async () => (await send(false)).body,
  });
}

export function registerDisable(program: Command, host: CommandHost): void {
  withPlanOptions(
    program
      .command("disable")
      .description("disable a plugin on every node; follows the job")
      .argument("<pluginId>")
      .option("--cascade", "also disable the plugins that depend on it"),
  ).action(
    host.action((ctx, pluginId: string, flags: { cascade?: boolean } & PlanFlags) =>
      runDisable(ctx, pluginId, flags),
    ),
  );
}
