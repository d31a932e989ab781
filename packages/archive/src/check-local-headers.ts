import type { FieldError } from "@arcade/contracts";
import { capFieldErrors } from "@arcade/core";
import { archiveError, entryError } from "./archive-error.js";
import type { ZipEntry, ZipReader } from "./zip-reader.js";

/**
 * Checks each entry's local header against the central directory: the same name
 * (tools that read local headers, not the directory, must not see other files),
 * and no two entries sharing bytes (overlapping entries are how a "non-recursive"
 * zip bomb repeats one compressed block many times). Throws ARCHIVE_UNSAFE.
 */
export async function checkLocalHeaders(reader: ZipReader, entries: readonly ZipEntry[]): Promise<void> {
  const errors: FieldError[] = [];
  const spans: { start: number; end: number; entry: ZipEntry }[] = [];
  for (const entry of entries) {
    const header = await reader.localHeader(entry);
    if (!header.rawName.equals(entry.raw.fileNameRaw)) {
      errors.push(entryError(entry.index, entry.name, "has a different name in its local header"));
    }
    spans.push({
      start: entry.raw.relativeOffsetOfLocalHeader,
      end: header.dataStart + entry.raw.compressedSize,
      entry,
    });
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i += 1) {
    const prev = spans[i - 1]!;
    const span = spans[i]!;
    if (span.start < prev.end) {
      errors.push(
        entryError(span.entry.index, span.entry.name, `overlaps the data of entry ${prev.entry.index}`),
      );
    }
  }
  if (errors.length > 0) {
    throw archiveError("ARCHIVE_UNSAFE", "the archive's entries are inconsistent", capFieldErrors(errors));
  }
}
