import { type ArchiveInspection, type ArchiveLimits, resolveArchiveLimits } from "@arcade/core";
import { discardSink } from "./discard-sink.js";
import { scanArchive } from "./scan-archive.js";
import { sha256File } from "./sha256.js";

/**
 * Checks a plugin archive staged on disk without extracting it: every rule of
 * scanArchive, every entry inflated (and counted) once, and the file's SHA-256.
 * Failures are AppErrors: ARCHIVE_INVALID, ARCHIVE_UNSAFE, ARCHIVE_TOO_LARGE,
 * MANIFEST_MISSING, MANIFEST_INVALID, ENTRY_POINT_MISSING. Errors of the machine
 * itself (the file is missing, EIO) are thrown as they are.
 */
export async function inspectArchive(
  path: string,
  limits: Partial<ArchiveLimits> = {},
): Promise<ArchiveInspection> {
  const [digest, scanned] = await Promise.all([
    sha256File(path),
    scanArchive(path, resolveArchiveLimits(limits), discardSink),
  ]);
  return { ...scanned, sha256: digest.sha256 };
}
