import { uninstallPlugin } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";

export async function runUninstall(
  ctx: CliContext,
  pluginId: string,
  flags: { cascade?: boolean } & PlanFlags,
): Promise<number> {
  const send = (dryRun: boolean) =>
    ctx.client.call(uninstallPlugin, {
      params: { pluginId },
      query: { ...(flags.cascade ? { cascade: true } : {}), ...(dryRun ? { dryRun } : {}) },
    });
  return runMutation(ctx, flags, {
    plan: async () => asPlan((await send(true)).body),
    send: async () => (await send(false)).body,
  });
}

export function registerUninstall(program: Command, host: CommandHost): void {
  withPlanOptions(
    program
      .command("uninstall")
      .alias("rm")
      .description("remove a plugin everywhere: memory, caches, object store, database rows, config")
      .argument("<pluginId>")
      .option("--cascade", "also uninstall the plugins that depend on it"),
  ).action(
    host.action((ctx, pluginId: string, flags: { cascade?: boolean } & PlanFlags) =>
      runUninstall(ctx, pluginId, flags),
    ),
  );
}
