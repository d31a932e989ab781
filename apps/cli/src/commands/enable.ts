import { enablePlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";

export async function runEnable(ctx: CliContext, pluginId: string, flags: PlanFlags = {}): Promise<number> {
  const send = (dryRun: boolean) =>
    ctx.client.call(enablePlugin, { params: { pluginId }, ...(dryRun ? { query: { dryRun } } : {}) });
  return runMutation(ctx, flags, {
    plan: async () => asPlan((await send(true)).body),
    send: async () => (await send(false)).body,
  });
}

export function registerEnable(program: Command, host: CommandHost): void {
  withPlanOptions(
    program
      .command("enable")
      .description("enable a plugin on every node; follows the job")
      .argument("<pluginId>"),
  ).action(host.action((ctx, pluginId: string, flags: PlanFlags) => runEnable(ctx, pluginId, flags)));
}
