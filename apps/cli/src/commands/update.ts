import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { UsageError } from "../errors.js";
import { asPlan, type PlanFlags, runMutation, withPlanOptions } from "../jobs/plan-gate.js";
import { sendArtifact } from "../upload/send-artifact.js";
import { MARKET_NO_PLAN } from "./install.js";
import { rolloutFields, withRolloutOption } from "./rollout-option.js";

export interface UpdateFlags extends PlanFlags {
  manifest?: string;
  signature?: string;
  allowDowngrade?: boolean;
  acceptPermissions?: boolean;
  market?: string;
  version?: string;
  rollout?: string;
}

/**
 * `update <pluginId> <file>` (PUT /plugins/:id with the new version, streamed) or
 * `update <pluginId> --market <marketId> [--version v]`; follows the job.
 */
export async function runUpdate(
  ctx: CliContext,
  pluginId: string,
  file: string | undefined,
  flags: UpdateFlags,
): Promise<number> {
  if (file && flags.market) throw new UsageError("pass either a file or --market <marketId>, not both");
  if (flags.version && !flags.market) {
    throw new UsageError("--version goes with --market", "a local file carries its version in its manifest");
  }
  if (flags.market && (flags.manifest || flags.signature)) {
    throw new UsageError("--manifest and --signature go with a file; the market signs what it serves");
  }
  const extra: Record<string, string> = {
    ...rolloutFields(flags.rollout),
    ...(flags.allowDowngrade ? { allowDowngrade: "true" } : {}),
    ...(flags.acceptPermissions ? { acceptPermissions: "true" } : {}),
  };
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
      "update needs the new version: a .zip, a .js/.mjs file with --manifest, or --market <marketId>",
      "build a zip with `arcade-plugins pack <dir> --set-version <version>`",
    );
  }
  const send = (dryRun: boolean) => sendArtifact(ctx, { update: pluginId }, artifact, extra, { dryRun });
  return runMutation(ctx, flags, {
    plan: async () => asPlan(await send(true)),
    send: () => send(false),
    ...(flags.market ? { noPlan: MARKET_NO_PLAN } : {}),
  });
}

export function registerUpdate(program: Command, host: CommandHost): void {
  withPlanOptions(
    withRolloutOption(program.command("update"))
      .description(
        "replace an installed plugin with a new version, from a file or the market (hot swap on every node); follows the job",
      )
      .argument("<pluginId>", "the plugin to update")
      .argument("[file]", "new version: .zip, or a .js/.mjs module (with --manifest)")
      .option("--manifest <manifest.json>", "manifest for a single .js/.mjs module")
      .option(
        "--signature <file.sig.json>",
        "signature from `pack --sign` (default: <file>.sig.json if present)",
      )
      .option("--market <marketId>", "take the new version from the configured market instead of a file")
      .option("--version <version>", "market version (default: the newest this platform can run)")
      .option("--allow-downgrade", "accept a version that is not newer than the installed one")
      .option(
        "--accept-permissions",
        "approve permissions the new version asks for beyond the installed one's (else PERMISSIONS_ESCALATED)",
      ),
  ).action(
    host.action((ctx, pluginId: string, file: string | undefined, flags: UpdateFlags) =>
      runUpdate(ctx, pluginId, file, flags),
    ),
  );
}
