#!/usr/bin/env node
import { Command } from "commander";
import { runKeygen } from "../cli/keygen-command.js";
import { runPack } from "../cli/pack-command.js";
import { reportError } from "../cli/report.js";

const program = new Command()
  .name("arcade-plugin")
  .description(
    "Build tools for Arcade plugin authors: pack a plugin folder into an installable zip, sign it.",
  )
  .showHelpAfterError("(run with --help for usage)");

program
  .command("pack")
  .description("validate a plugin folder and write a reproducible zip (and a signature with --sign)")
  .argument("<dir>", "the plugin folder, holding manifest.json")
  .option(
    "-o, --out <file>",
    "output zip; {name} and {version} are replaced (default: <dir>/dist/{name}-{version}.zip)",
  )
  .option("--sign <keyFile>", "ed25519 private key (PEM) to sign the archive with; writes <out>.sig.json")
  .option("--key-id <id>", "key id recorded in the signature (default: derived from the key)")
  .option("--set-version <version>", "pack with this version instead of the one in manifest.json")
  .action(async (dir: string, opts: { out?: string; sign?: string; keyId?: string; setVersion?: string }) => {
    await runPack(dir, opts).catch(reportError);
  });

program
  .command("keygen")
  .description("create an ed25519 key pair for signing: <prefix>.key.pem and <prefix>.pub.pem")
  .argument("<outPrefix>", "path prefix of the key files, e.g. keys/my-team")
  .option("--force", "replace existing key files")
  .option("--json", "print only the ARCADE_SIGNATURE_TRUSTED_KEYS value for the key (messages go to stderr)")
  .option("--toml", "print only the [[signature.trusted_keys]] table for arcade.toml (messages go to stderr)")
  .action(async (prefix: string, opts: { force?: boolean; json?: boolean; toml?: boolean }) => {
    await runKeygen(prefix, opts).catch(reportError);
  });

await program.parseAsync(process.argv);
