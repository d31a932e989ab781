import { readFile } from "node:fs/promises";
import path from "node:path";
import { type FieldError, type Manifest, validateManifest } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT, UsageError } from "../errors.js";
import { fieldErrorLines } from "../output/error-report.js";
import { fileBody } from "../upload/stream-body.js";

interface ValidationResponse {
  valid: boolean;
  errors: FieldError[];
  manifest: Manifest | null;
}

/** `validate <manifest.json|zip>`: asks the platform's validator; changes nothing. Exit 1 when invalid. */
export async function runValidate(ctx: CliContext, file: string): Promise<number> {
  const absolute = path.resolve(ctx.cwd, file);
  let response: ValidationResponse;
  if (/\.json$/i.test(absolute)) {
    const text = await readFile(absolute, "utf8").catch((error: Error) => {
      throw new UsageError(`cannot read ${file}: ${error.message}`);
    });
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    response = (await ctx.client.call(validateManifest, { json: manifest })).body as ValidationResponse;
  } else {
    const body = await fileBody(absolute, "application/zip");
    response = (await ctx.client.call(validateManifest, { body })).body as ValidationResponse;
  }

  const { out } = ctx;
  out.data(response);
  if (response.valid) {
    const m = response.manifest;
    out.line(`✓ ${file} is valid${m ? `: ${m.name} ${m.version} (${m.pluginType})` : ""}`);
    return EXIT.ok;
  }
  out.error(`✗ ${file} is not valid`);
  for (const line of fieldErrorLines(response.errors)) out.error(line);
  return EXIT.failed;
}

export function registerValidate(program: Command, host: CommandHost): void {
  program
    .command("validate")
    .description("check a manifest.json or a plugin zip against the platform's rules (changes nothing)")
    .argument("<file>", "manifest.json or plugin .zip")
    .action(host.action((ctx, file: string) => runValidate(ctx, file)));
}
