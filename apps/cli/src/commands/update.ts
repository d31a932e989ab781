import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { completeMutation } from "../jobs/complete-mutation.js";
import { sendArtifact } from "../upload/send-artifact.js";

export interface UpdateFlags {
  manifest?: string;
  signature?: string;
  allowDowngrade?: boolean;
}

/** `update <pluginId> <file>`: PUT /plugins/:id with the new version, streamed; follows the job. */
export async function runUpdate(
  ctx: CliContext,
  pluginId: string,
  file: string,
  flags: UpdateFlags,
): Promise<number> {
  const job = await sendArtifact(
    ctx,
    "PUT",
    `/plugins/${encodeURIComponent(pluginId)}`,
    {
      file,
      ...(flags.manifest ? { manifest: flags.manifest } : {}),
      ...(flags.signature ? { signature: flags.signature } : {}),
    },
    flags.allowDowngrade ? { allowDowngrade: "true" } : {},
  );
  return completeMutation(ctx, job);
}

export function registerUpdate(program: Command, host: CommandHost): void {
  program
    .command("update")
    .description("replace an installed plugin with a new version (hot swap on every node); follows the job")
    .argument("<pluginId>", "the plugin to update")
    .argument("<file>", "new version: .zip, or a .js/.mjs module (with --manifest)")
    .option("--manifest <manifest.json>", "manifest for a single .js/.mjs module")
    .option(
      "--signature <file.sig.json>",
      "signature from `pack --sign` (default: <file>.sig.json if present)",
    )
    .option("--allow-downgrade", "accept a version that is not newer than the installed one")
    .action(
      host.action((ctx, pluginId: string, file: string, flags: UpdateFlags) =>
        runUpdate(ctx, pluginId, file, flags),
      ),
    );
}
