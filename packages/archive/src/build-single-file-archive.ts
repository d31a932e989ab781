import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AppError,
  assertValidManifest,
  type BuiltArchive,
  normaliseEntryPoint,
  type SingleFileArchiveInput,
  validateManifest,
  validateManifestJson,
} from "@arcade/core";
import yazl from "yazl";
import { MANIFEST_ENTRY } from "./scan-archive.js";
import { sha256Stream } from "./sha256.js";

// Fixed timestamps make the same inputs give the same bytes (and checksum), so a
// retried job that rebuilds the archive produces the identical artifact. A Date built
// from local fields encodes to the same DOS date/time in every time zone.
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/**
 * The API's second install form, "one .js/.mjs file plus a manifest field", as a
 * regular plugin archive at `outPath`: manifest.json (the validated manifest) and
 * the file. Throws MANIFEST_INVALID when the manifest is invalid or its entryPoint
 * is not the file name. Returns the archive's size and SHA-256. On failure no file is left behind.
 */
export async function buildSingleFileArchive(
  input: SingleFileArchiveInput,
  outPath: string,
): Promise<BuiltArchive> {
  const raw = input.manifest;
  const manifest = assertValidManifest(
    typeof raw === "string" ? validateManifestJson(raw) : validateManifest(raw),
    "the manifest field",
  );
  // The manifest's entryPoint passed every path rule, so a file name equal to it is
  // a safe .js/.mjs name too; anything else ("../x.js", "x.txt") differs from it.
  const fileName = normaliseEntryPoint(input.fileName);
  if (manifest.entryPoint !== fileName) {
    throw new AppError("MANIFEST_INVALID", "the manifest's entryPoint must be the uploaded file", {
      errors: [
        { path: "/entryPoint", message: `must be ${JSON.stringify(fileName)} (the uploaded file's name)` },
      ],
    });
  }

  const zip = new yazl.ZipFile();
  const options = { mtime: FIXED_MTIME, forceDosTimestamp: true, mode: 0o100644 };
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), MANIFEST_ENTRY, options);
  let contentError: Promise<never> | null = null;
  if (Buffer.isBuffer(input.content)) {
    zip.addBuffer(input.content, fileName, options);
  } else {
    // yazl does not pass on an error of its input stream: it would wait forever.
    const content = input.content;
    const relay = new PassThrough();
    contentError = new Promise<never>((_, reject) => content.once("error", reject));
    contentError.catch(() => {});
    content.pipe(relay);
    zip.addReadStream(relay, fileName, options);
  }
  zip.end();

  const hashing = sha256Stream();
  const writing = pipeline(zip.outputStream, hashing, createWriteStream(outPath));
  writing.catch(() => {});
  try {
    await (contentError ? Promise.race([writing, contentError]) : writing);
    const digest = await hashing.digest;
    return { path: outPath, ...digest };
  } catch (error) {
    hashing.destroy(error as Error);
    await writing.catch(() => {});
    await rm(outPath, { force: true });
    throw error;
  }
}
