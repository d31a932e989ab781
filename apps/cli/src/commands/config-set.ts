import { readFile } from "node:fs/promises";
import path from "node:path";
import { setPluginConfig } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { UsageError } from "../errors.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";

/** `config set <pluginId> <file.json|->`: replaces the config (the server checks it against configSchema). */
export async function runConfigSet(
  ctx: CliContext,
  pluginId: string,
  source: string,
  flags: PlanFlags = {},
): Promise<number> {
  const text = source === "-" ? await readAll(ctx.stdin) : await readConfigFile(ctx, source);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the config is not valid JSON: ${(error as Error).message}`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError("the config must be a JSON object", 'e.g. { "channel": "#ops" }');
  }
  const send = (dryRun: boolean) =>
    ctx.client.call(setPluginConfig, {
      params: { pluginId },
      json: config as Record<string, unknown>,
      ...(dryRun ? { query: { dryRun } } : {}),
    });
  // With `-` stdin was the config: nobody is left to answer a question there, so none is asked.
  return runMutation(source === "-" ? { ...ctx, interactive: false } : ctx, flags, {
    plan: async () => asPlan((await send(true)).body),
    send: async () => (await send(false)).body,
  });
}

async function readConfigFile(ctx: CliContext, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(ctx.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as Error).message}`,
      "pass a JSON file, or - to read stdin",
    );
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

export function registerConfigSet(config: Command, host: CommandHost): void {
  withPlanOptions(
    config
      .command("set")
      .description("replace a plugin's config with a JSON file (or - for stdin); follows the job")
      .argument("<pluginId>")
      .argument("<file>", "config.json, or - to read stdin"),
  ).action(
    host.action((ctx, pluginId: string, file: string, flags: PlanFlags) =>
      runConfigSet(ctx, pluginId, file, flags),
    ),
  );
}
