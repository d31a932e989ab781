import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { UsageError } from "../errors.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";
import { sendArtifact } from "../upload/send-artifact.js";
import { rolloutFields, withRolloutOption } from "./rollout-option.js";

export interface InstallFlags extends PlanFlags {
  manifest?: string;
  signature?: string;
  market?: string;
  version?: string;
  rollout?: string;
}

/** `install <file>` (streamed multipart upload) or `install --market <id>`; then follows the job. */
export async function runInstall(
  ctx: CliContext,
  file: string | undefined,
  flags: InstallFlags,
): Promise<number> {
  if (file && flags.market) throw new UsageError("pass either a file or --market <marketId>, not both");
  if (flags.version && !flags.market) {
    throw new UsageError("--version goes with --market", "a local file installs the version in its manifest");
  }
  let artifact: Parameters<typeof sendArtifact>[2];
  if (flags.market) {
    artifact = { marketId: flags.market, ...(flags.version ? { version: flags.version } : {}) };
  } else if (file) {
    artifact = {
      file,
      ...(flags.manifest ? { manifest: flags.manifest } : {}),
      ...(flags.signature ? { signature: flags.signature } : {}),
    };
  } else {
    throw new UsageError(
      "install needs a plugin: a .zip, a .js/.mjs file with --manifest, or --market <marketId>",
      "build a zip with `arcade-plugins pack <dir>`",
    );
  }
  const extra = rolloutFields(flags.rollout);
  const send = (dryRun: boolean) => sendArtifact(ctx, { install: true }, artifact, extra, { dryRun });
  return runMutation(ctx, flags, {
    plan: async () => asPlan(await send(true)),
    send: () => send(false),
    ...(flags.market ? { noPlan: MARKET_NO_PLAN } : {}),
  });
}

/** Why a market install or update shows no plan: the worker, not the API, fetches the artifact. */
export const MARKET_NO_PLAN = "the worker fetches market artifacts, so the platform cannot plan them first";

export function registerInstall(program: Command, host: CommandHost): void {
  withPlanOptions(
    withRolloutOption(program.command("install"))
      .description("install a plugin from a zip, a single module, or the market; follows the job")
      .argument("[file]", "plugin .zip, or a .js/.mjs module (with --manifest)")
      .option("--manifest <manifest.json>", "manifest for a single .js/.mjs module")
      .option(
        "--signature <file.sig.json>",
        "signature from `pack --sign` (default: <file>.sig.json if present)",
      )
      .option("--market <marketId>", "install from the configured market instead of a file")
      .option("--version <version>", "market version (default: latest)"),
  ).action(host.action((ctx, file: string | undefined, flags: InstallFlags) => runInstall(ctx, file, flags)));
}
