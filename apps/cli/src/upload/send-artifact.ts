import { readFile } from "node:fs/promises";
import path from "node:path";
import { installPlugin, type JobResource, updatePlugin } from "@arcade/contracts";
import type { StreamedBody } from "../api-client.js";
import type { CliContext } from "../cli-context.js";
import { UsageError } from "../errors.js";
import { humanSize } from "../output/format.js";
import { multipartBody } from "./multipart-body.js";
import { fileSize } from "./stream-body.js";
import { type UploadProgress, uploadProgress } from "./upload-progress.js";

export interface LocalArtifact {
  /** A .zip, or a single .js/.mjs module (then `manifest` is required). */
  file: string;
  /** manifest.json for a single-module upload. */
  manifest?: string;
  /** A `.sig.json` written by `pack --sign`; by default `<file>.sig.json` when it exists. */
  signature?: string;
}

export interface MarketArtifact {
  marketId: string;
  version?: string;
}

const MODULE_FILE = /\.m?js$/i;

/** Where the artifact goes: a new plugin, or a new version of an installed one. */
export type ArtifactTarget = { install: true } | { update: string };

function upload(ctx: CliContext, target: ArtifactTarget, body: StreamedBody, dryRun: boolean) {
  const query = dryRun ? { query: { dryRun } } : {};
  return "update" in target
    ? ctx.client.call(updatePlugin, { params: { pluginId: target.update }, body, ...query })
    : ctx.client.call(installPlugin, { body, ...query });
}

/**
 * Builds the install/update body (streamed for a file) and sends it; answers the job, or with
 * `dryRun` the plan (plan-gate.ts's asPlan reads it).
 */
export async function sendArtifact(
  ctx: CliContext,
  target: ArtifactTarget,
  artifact: LocalArtifact | MarketArtifact,
  extraFields: Record<string, string> = {},
  options: { dryRun?: boolean } = {},
): Promise<JobResource> {
  const dryRun = options.dryRun === true;
  if ("marketId" in artifact) {
    const fields = {
      source: "market",
      marketId: artifact.marketId,
      ...optional("version", artifact.version),
    };
    const body = await multipartBody({ ...fields, ...extraFields });
    return (await upload(ctx, target, body, dryRun)).body;
  }

  const file = path.resolve(ctx.cwd, artifact.file);
  const fields: Record<string, string> = { source: "local", ...(await manifestField(ctx, file, artifact)) };
  Object.assign(fields, await signatureFields(ctx, file, artifact.signature), extraFields);

  // The bar needs the total, which exists only once the body is built; the callback reads it late.
  let progress: UploadProgress = { update() {}, stop() {} };
  const body = await multipartBody(fields, { field: "file", path: file }, (sent) => progress.update(sent));
  progress = uploadProgress(ctx.out, `upload ${path.basename(file)}`, body.contentLength, ctx.forceProgress);
  try {
    const response = await upload(ctx, target, body, dryRun);
    progress.stop();
    // The file's size, as `ls` shows it: the multipart framing around it is not what was uploaded.
    ctx.out.progress(`uploaded ${path.basename(file)} (${humanSize(await fileSize(file))})`);
    return response.body;
  } catch (error) {
    progress.stop();
    throw error;
  }
}

async function manifestField(
  ctx: CliContext,
  file: string,
  artifact: LocalArtifact,
): Promise<Record<string, string>> {
  if (!MODULE_FILE.test(file)) {
    if (artifact.manifest) {
      throw new UsageError(
        "--manifest goes with a single .js/.mjs file; a zip carries its own manifest.json",
      );
    }
    return {};
  }
  if (!artifact.manifest) {
    throw new UsageError(
      `${path.basename(file)} is a single module: pass its manifest with --manifest manifest.json`,
      "or pack the plugin folder into a zip with `arcade-plugins pack <dir>`",
    );
  }
  const manifestFile = path.resolve(ctx.cwd, artifact.manifest);
  const text = await readFile(manifestFile, "utf8").catch((error: Error) => {
    throw new UsageError(`cannot read the manifest ${artifact.manifest}: ${error.message}`);
  });
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${artifact.manifest} is not valid JSON: ${(error as Error).message}`);
  }
  return { manifest: text };
}

async function signatureFields(
  ctx: CliContext,
  file: string,
  explicit: string | undefined,
): Promise<Record<string, string>> {
  const sigFile = explicit ? path.resolve(ctx.cwd, explicit) : `${file}.sig.json`;
  let text: string;
  try {
    text = await readFile(sigFile, "utf8");
  } catch (error) {
    if (!explicit) return {};
    throw new UsageError(`cannot read the signature ${explicit}: ${(error as Error).message}`);
  }
  let sig: { keyId?: unknown; signature?: unknown };
  try {
    sig = JSON.parse(text);
  } catch {
    throw new UsageError(`${sigFile} is not a signature file (not JSON)`);
  }
  if (typeof sig.keyId !== "string" || typeof sig.signature !== "string") {
    throw new UsageError(`${sigFile} is not a signature file: it needs keyId and signature`);
  }
  ctx.out.progress(`signature ${path.basename(sigFile)} (key ${sig.keyId})`);
  return { signature: sig.signature, keyId: sig.keyId };
}

function optional(name: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === "" ? {} : { [name]: value };
}
