import { readFile } from "node:fs/promises";
import path from "node:path";
import { invokeAction } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT, UsageError } from "../errors.js";
import { positiveInt } from "./option-parsers.js";

export interface InvokeFlags {
  /** JSON text, or @file.json. */
  params?: string;
  timeout?: number;
}

/** `invoke <pluginId> <action>`: runs the action on the node that answers; prints its result as JSON. */
export async function runInvoke(
  ctx: CliContext,
  pluginId: string,
  action: string,
  flags: InvokeFlags,
): Promise<number> {
  const params = await readParams(ctx, flags.params);
  const { body } = await ctx.client.call(invokeAction, {
    params: { pluginId, action },
    json: { params, ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }) },
  });
  if (ctx.out.json) {
    ctx.out.data(body);
  } else {
    ctx.out.line(JSON.stringify(body.result ?? null, null, 2));
    ctx.out.note(`${action} on ${body.pluginId} ${body.version}, node ${body.node}, ${body.durationMs} ms`);
  }
  return EXIT.ok;
}

async function readParams(ctx: CliContext, raw: string | undefined): Promise<unknown> {
  if (raw === undefined) return {};
  let text = raw;
  if (raw.startsWith("@")) {
    text = await readFile(path.resolve(ctx.cwd, raw.slice(1)), "utf8").catch((error: Error) => {
      throw new UsageError(`cannot read ${raw.slice(1)}: ${error.message}`);
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--params is not valid JSON: ${(error as Error).message}`,
      `quote it for the shell: --params '{"message":"hi"}', or pass @params.json`,
    );
  }
}

export function registerInvoke(program: Command, host: CommandHost): void {
  program
    .command("invoke")
    .description("call a plugin action on the node that answers")
    .argument("<pluginId>")
    .argument("<action>", "e.g. send, build, deploy, execute")
    .option("--params <json>", "action params as JSON, or @file.json (checked against paramsSchema)")
    .option("--timeout <ms>", "action timeout in milliseconds", positiveInt)
    .action(
      host.action((ctx, pluginId: string, action: string, flags: InvokeFlags) =>
        runInvoke(ctx, pluginId, action, flags),
      ),
    );
}
