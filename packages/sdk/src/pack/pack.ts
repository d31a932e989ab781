import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import { readManifestFile, resolveEntryPoint } from "../manifest/read-manifest-file.js";
import { collectFiles } from "./collect-files.js";
import { buildZip, type ZipInput } from "./deterministic-zip.js";
import { type SignatureFile, signDigest } from "./signing.js";

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

export interface PackOptions {
  /** The plugin folder (the one holding manifest.json). */
  dir: string;
  /**
   * Where to write the archive, relative to the current directory; `{name}` and
   * `{version}` are replaced from the manifest. Default `<dir>/dist/{name}-{version}.zip`.
   */
  outFile?: string;
  /** Packs the manifest with this version instead of its own (the folder is not changed). */
  setVersion?: string;
  /** Also writes `<outFile>.sig.json`. `keyId` defaults to the id derived from the key. */
  signWith?: { keyFile: string; keyId?: string };
}

export interface PackResult {
  file: string;
  sha256: string;
  size: number;
  manifest: Manifest;
  /** Archive entry names, in archive order. */
  files: string[];
  signature?: SignatureFile;
  signatureFile?: string;
}

/**
 * Validates a plugin folder and writes it as an installable, reproducible zip:
 * the same folder content always gives the same bytes, whatever the file times.
 */
export async function pack(options: PackOptions): Promise<PackResult> {
  const dir = path.resolve(options.dir);
  const manifest = await readManifestFile(
    dir,
    options.setVersion === undefined ? {} : { version: options.setVersion },
  );
  const entry = await resolveEntryPoint(dir, manifest);

  const template = options.outFile ?? path.join(dir, "dist", "{name}-{version}.zip");
  const file = path.resolve(
    template.replaceAll("{name}", manifest.name).replaceAll("{version}", manifest.version),
  );
  const sigFile = `${file}.sig.json`;

  const skip = new Set([file, sigFile]);
  if (options.signWith) skip.add(path.resolve(options.signWith.keyFile));
  const files = await collectFiles(dir, skip);
  if (!files.some((f) => f.absolute === entry)) {
    throw new AppError(
      "ENTRY_POINT_MISSING",
      `entryPoint "${manifest.entryPoint}" would be left out of the archive (test files, dot files and ` +
        "node_modules are never packed): move the entry module",
      { errors: [{ path: "/entryPoint", message: "excluded from the archive" }] },
    );
  }

  const inputs: ZipInput[] = [];
  for (const f of files) {
    let data = await readFile(f.absolute);
    if (PRIVATE_KEY.test(data.toString("latin1"))) {
      throw new AppError(
        "ARCHIVE_UNSAFE",
        `${f.name} holds a private key, and everything in the folder ends up in the archive: ` +
          "move the key out of the plugin folder",
      );
    }
    if (f.name === "manifest.json" && options.setVersion !== undefined) {
      const raw = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      data = Buffer.from(`${JSON.stringify({ ...raw, version: manifest.version }, null, 2)}\n`);
    }
    inputs.push({ name: f.name, data });
  }
  const zip = await buildZip(inputs);
  const sha256 = createHash("sha256").update(zip).digest("hex");

  await mkdir(path.dirname(file), { recursive: true });
  await writeAtomically(file, zip);

  const result: PackResult = { file, sha256, size: zip.length, manifest, files: inputs.map((i) => i.name) };
  if (options.signWith) {
    const signature = await signDigest(sha256, options.signWith.keyFile, options.signWith.keyId);
    await writeAtomically(sigFile, Buffer.from(`${JSON.stringify(signature, null, 2)}\n`));
    result.signature = signature;
    result.signatureFile = sigFile;
  } else {
    // A signature left over from an earlier build would not match this archive.
    await rm(sigFile, { force: true });
  }
  return result;
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}
