import path from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { humanSize } from "../output/format.js";

export interface PackFlags {
  out?: string;
  sign?: string;
  keyId?: string;
  setVersion?: string;
}

/** `pack <dir>`: the SDK's reproducible zip (and signature), no server involved. */
export async function runPack(ctx: CliContext, dir: string, flags: PackFlags): Promise<number> {
  // Loaded on use: the SDK brings the manifest validator, which no other command needs.
  const { pack } = await import("@arcade/sdk");
  const result = await pack({
    dir: path.resolve(ctx.cwd, dir),
    ...(flags.out === undefined ? {} : { outFile: path.resolve(ctx.cwd, flags.out) }),
    ...(flags.setVersion === undefined ? {} : { setVersion: flags.setVersion }),
    ...(flags.sign === undefined
      ? {}
      : {
          signWith: {
            keyFile: path.resolve(ctx.cwd, flags.sign),
            ...(flags.keyId === undefined ? {} : { keyId: flags.keyId }),
          },
        }),
  });
  const { out } = ctx;
  out.data(result);
  const shown = path.relative(ctx.cwd, result.file) || result.file;
  out.line(`packed ${result.manifest.name} ${result.manifest.version} (${result.manifest.pluginType})`);
  out.line(`  file    ${shown}  ${humanSize(result.size)}, ${result.files.length} files`);
  out.line(`  sha256  ${result.sha256}`);
  if (result.signature && result.signatureFile) {
    out.line(`  signed  key ${result.signature.keyId} -> ${path.relative(ctx.cwd, result.signatureFile)}`);
  }
  out.line(`next: arcade-plugins install ${shown}`);
  return EXIT.ok;
}

export function registerPack(program: Command, host: CommandHost): void {
  program
    .command("pack")
    .description("validate a plugin folder and write an installable, reproducible zip")
    .argument("<dir>", "the plugin folder (holding manifest.json)")
    .option(
      "-o, --out <file>",
      "output zip; {name} and {version} are replaced (default <dir>/dist/{name}-{version}.zip)",
    )
    .option("--sign <key.pem>", "sign with this ed25519 private key; writes <out>.sig.json")
    .option("--key-id <id>", "key id recorded in the signature (default: derived from the key)")
    .option("--set-version <version>", "pack with this version instead of the manifest's")
    .action(host.action((ctx, dir: string, flags: PackFlags) => runPack(ctx, dir, flags)));
}
