import { Command } from "commander";
import type { CommandHost } from "./command-host.js";
import { registerConfigGet } from "./commands/config-get.js";
import { registerConfigSet } from "./commands/config-set.js";
import { registerDisable } from "./commands/disable.js";
import { registerEnable } from "./commands/enable.js";
import { registerGet } from "./commands/get.js";
import { registerInstall } from "./commands/install.js";
import { registerInvoke } from "./commands/invoke.js";
import { registerJobsGet } from "./commands/jobs-get.js";
import { registerJobsList } from "./commands/jobs-list.js";
import { registerRolloutCommands } from "./commands/jobs-rollout.js";
import { registerList } from "./commands/list.js";
import { registerNodes } from "./commands/nodes.js";
import { registerPack } from "./commands/pack.js";
import { registerRollback } from "./commands/rollback.js";
import { registerUninstall } from "./commands/uninstall.js";
import { registerUpdate } from "./commands/update.js";
import { registerValidate } from "./commands/validate.js";
import { registerVersions } from "./commands/versions.js";
import type { TextStream } from "./output/output.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";

export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
  wait: boolean;
}

/** The whole command tree. Output and exits go through the given streams and the host. */
export function buildProgram(host: CommandHost, io: { stdout: TextStream; stderr: TextStream }): Command {
  const program = new Command("arcade-plugins")
    .description(
      "Operate the Arcade plugin platform: install, update, enable, configure and inspect plugins.",
    )
    // Set before the subcommands are added: they copy these settings.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(run with --help for usage)")
    .option("--url <url>", `platform URL (env ARCADE_API_URL, default ${DEFAULT_URL})`)
    .option("--token <token>", "API token (env ARCADE_TOKEN, else .data/admin-token of this checkout)")
    .option("--json", "machine-readable output: JSON documents on stdout")
    .option("--no-wait", "do not follow mutation jobs: print the job id and return")
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 ok, 1 the operation failed, 2 bad usage, 3 the platform is unreachable.",
        "Examples:",
        "  arcade-plugins pack packages/plugins/notify-stdout",
        "  arcade-plugins install packages/plugins/notify-stdout/dist/notify-stdout-1.0.0.zip",
        "  arcade-plugins list --status enabled",
        `  arcade-plugins invoke <pluginId> send --params '{"message":"hi"}'`,
        "  arcade-plugins jobs get <jobId> --follow",
      ].join("\n"),
    );

  registerPack(program, host);
  registerInstall(program, host);
  registerUpdate(program, host);
  registerList(program, host);
  registerGet(program, host);
  registerEnable(program, host);
  registerDisable(program, host);
  registerUninstall(program, host);
  const config = program.command("config").description("read or replace a plugin's config");
  registerConfigGet(config, host);
  registerConfigSet(config, host);
  registerVersions(program, host);
  registerRollback(program, host);
  registerInvoke(program, host);
  const jobs = registerJobsList(program, host);
  registerJobsGet(jobs, host);
  registerRolloutCommands(jobs, host);
  registerNodes(program, host);
  registerValidate(program, host);
  return program;
}
