import { stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Manifest } from "@arcade/contracts";
import type { ArchiveEntry, ArchiveLimits } from "@arcade/core";
import { AppError, assertValidManifest, validateManifestJson } from "@arcade/core";
import { archiveError, asArchiveError } from "./archive-error.js";
import { checkCentralDirectory } from "./check-central-directory.js";
import { checkLocalHeaders } from "./check-local-headers.js";
import { EntryGuard } from "./entry-guard.js";
import { isDirectoryName } from "./entry-name.js";
import { type ZipEntry, ZipReader } from "./zip-reader.js";

export const MANIFEST_ENTRY = "manifest.json";

export interface ScannedArchive {
  manifest: Manifest;
  entries: ArchiveEntry[];
  totalUncompressed: number;
  /** Bytes of the .zip file. */
  size: number;
}

/** Where each checked entry's data goes: nowhere (inspect) or into a folder (extract). */
export interface EntrySink {
  directory(entry: ZipEntry): Promise<void>;
  file(entry: ZipEntry): Promise<Writable>;
}

/**
 * The one walk over an archive that both inspect and extract use, so that they can
 * never disagree about what is acceptable:
 * 1. file size, entry count (before reading entries);
 * 2. the central directory (names, types, encryption, duplicates, declared sizes);
 * 3. local headers (same names, no overlapping data);
 * 4. manifest.json: present at the root, small, valid; the entryPoint is a file in it;
 * 5. every entry's data through an EntryGuard (declared size, CRC) into the sink.
 */
export async function scanArchive(
  path: string,
  limits: ArchiveLimits,
  sink: EntrySink,
): Promise<ScannedArchive> {
  const { size } = await stat(path);
  if (size > limits.maxCompressedBytes) {
    throw archiveError(
      "ARCHIVE_TOO_LARGE",
      `the archive is ${size} bytes; the limit is ${limits.maxCompressedBytes}`,
      [{ path: "", message: `is ${size} bytes, more than ${limits.maxCompressedBytes}` }],
    );
  }
  const reader = await ZipReader.open(path);
  try {
    if (reader.entryCount > limits.maxEntries) {
      throw archiveError(
        "ARCHIVE_TOO_LARGE",
        `the archive has ${reader.entryCount} entries; the limit is ${limits.maxEntries}`,
        [{ path: "/entries", message: `has ${reader.entryCount} entries, more than ${limits.maxEntries}` }],
      );
    }
    const entries = await reader.entries();
    checkCentralDirectory(entries, size, limits);
    await checkLocalHeaders(reader, entries);

    const manifest = await readManifest(reader, entries, limits);
    const files = new Set(entries.filter((e) => !isDirectoryName(e.name)).map((e) => e.name));
    if (!files.has(manifest.entryPoint)) {
      throw new AppError(
        "ENTRY_POINT_MISSING",
        `the entryPoint "${manifest.entryPoint}" is not in the archive`,
        {
          errors: [
            {
              path: "/entryPoint",
              message: `names ${JSON.stringify(manifest.entryPoint)}, which the archive does not contain`,
            },
          ],
          detail: "Add the file to the archive, or point entryPoint at the module that is there.",
        },
      );
    }

    for (const entry of entries) {
      if (isDirectoryName(entry.name)) await sink.directory(entry);
      else await pump(reader, entry, await sink.file(entry));
    }
    return {
      manifest,
      entries: entries.map((e) => ({
        name: e.name,
        size: e.raw.uncompressedSize,
        compressedSize: e.raw.compressedSize,
      })),
      totalUncompressed: entries.reduce((sum, e) => sum + e.raw.uncompressedSize, 0),
      size,
    };
  } catch (error) {
    throw asArchiveError(error);
  } finally {
    reader.close();
  }
}

async function pump(reader: ZipReader, entry: ZipEntry, target: Writable): Promise<void> {
  const data = await reader.openData(entry).catch((error) => {
    target.destroy();
    throw error;
  });
  await pipeline(data, new EntryGuard(entry), target);
}

async function readManifest(
  reader: ZipReader,
  entries: readonly ZipEntry[],
  limits: ArchiveLimits,
): Promise<Manifest> {
  const entry = entries.find((e) => e.name === MANIFEST_ENTRY);
  if (!entry) {
    const nested = entries.find((e) => /(^|\/)manifest\.json$/i.test(e.name));
    throw new AppError("MANIFEST_MISSING", "the archive has no manifest.json at its root", {
      detail: nested
        ? `Found ${JSON.stringify(nested.name)}: zip the plugin folder's contents, not the folder itself.`
        : "Add a manifest.json at the root of the archive (see the plugin module contract).",
    });
  }
  if (entry.raw.uncompressedSize > limits.maxManifestBytes) {
    throw new AppError("MANIFEST_INVALID", "manifest.json is too large", {
      errors: [
        {
          path: "",
          message: `is ${entry.raw.uncompressedSize} bytes; the limit is ${limits.maxManifestBytes}`,
        },
      ],
    });
  }
  const chunks: Buffer[] = [];
  await pipeline(
    await reader.openData(entry),
    new EntryGuard(entry),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    },
  );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError("MANIFEST_INVALID", "manifest.json is not UTF-8 text", {
      errors: [{ path: "", message: "must be UTF-8 encoded JSON" }],
    });
  }
  return assertValidManifest(validateManifestJson(text));
}
