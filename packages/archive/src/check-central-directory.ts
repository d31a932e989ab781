import type { ErrorCode, FieldError } from "@arcade/contracts";
import type { ArchiveLimits } from "@arcade/core";
import { capFieldErrors } from "@arcade/core";
import { archiveError, entryError } from "./archive-error.js";
import { entryCollisionKey, entryNameProblem, isDirectoryName } from "./entry-name.js";
import { unixFileType } from "./entry-type.js";
import { RATIO_GRACE_BYTES } from "./reading-limits.js";
import type { ZipEntry } from "./zip-reader.js";

const STORED = 0;
const DEFLATED = 8;

class Findings {
  readonly byCode = new Map<ErrorCode, FieldError[]>();

  add(code: ErrorCode, error: FieldError): void {
    const list = this.byCode.get(code) ?? [];
    list.push(error);
    this.byCode.set(code, list);
  }

  /** Unsafe beats too large beats invalid: the code names the worst finding, errors list all. */
  throwIfAny(): void {
    const order: ErrorCode[] = ["ARCHIVE_UNSAFE", "ARCHIVE_TOO_LARGE", "ARCHIVE_INVALID"];
    const all = order.flatMap((code) => this.byCode.get(code) ?? []);
    const worst = order.find((code) => this.byCode.has(code));
    if (!worst) return;
    const summary: Record<string, string> = {
      ARCHIVE_UNSAFE: "the archive contains entries that are unsafe to extract",
      ARCHIVE_TOO_LARGE: "the archive is larger than allowed when uncompressed",
      ARCHIVE_INVALID: "the archive contains entries this platform cannot read",
    };
    throw archiveError(worst, summary[worst]!, capFieldErrors(all));
  }
}

/**
 * Checks the central directory before any entry data is read: names, file types,
 * encryption, compression methods, duplicates (also case- and Unicode-insensitive),
 * file/folder clashes, and the declared sizes against the limits (total and
 * compression ratio, per entry and overall). The entry guard later makes sure the
 * data matches the declared sizes, so the limits hold for the real bytes too.
 * Throws ARCHIVE_UNSAFE / ARCHIVE_TOO_LARGE / ARCHIVE_INVALID listing every finding.
 */
export function checkCentralDirectory(
  entries: readonly ZipEntry[],
  archiveSize: number,
  limits: ArchiveLimits,
): void {
  const findings = new Findings();
  const files = new Map<string, number>(); // collision key -> entry index
  const folders = new Map<string, number>(); // explicit or implied folders
  let total = 0;
  let totalReported = false;

  for (const entry of entries) {
    const { index, name, raw } = entry;
    const nameProblem = entryNameProblem(name);
    if (nameProblem) {
      findings.add("ARCHIVE_UNSAFE", entryError(index, name, nameProblem));
      continue; // its other properties do not matter: it will never be extracted
    }
    const type = unixFileType(raw.externalFileAttributes);
    if (type === "symlink") findings.add("ARCHIVE_UNSAFE", entryError(index, name, "is a symbolic link"));
    if (type === "special")
      findings.add("ARCHIVE_UNSAFE", entryError(index, name, "is a device, fifo or socket"));
    if (raw.generalPurposeBitFlag & 0x1)
      findings.add("ARCHIVE_UNSAFE", entryError(index, name, "is encrypted"));
    if (raw.compressionMethod !== STORED && raw.compressionMethod !== DEFLATED) {
      findings.add(
        "ARCHIVE_INVALID",
        entryError(
          index,
          name,
          `uses compression method ${raw.compressionMethod}; only stored and deflate work`,
        ),
      );
    }

    const key = entryCollisionKey(name);
    if (isDirectoryName(name)) {
      if (folders.has(key) && folders.get(key) !== -1) {
        findings.add("ARCHIVE_UNSAFE", entryError(index, name, `duplicates entry ${folders.get(key)}`));
      }
      folders.set(key, index);
    } else {
      const earlier = files.get(key);
      if (earlier !== undefined) {
        findings.add(
          "ARCHIVE_UNSAFE",
          entryError(
            index,
            name,
            `duplicates entry ${earlier} (names differ only in case or Unicode form, or not at all)`,
          ),
        );
      } else files.set(key, index);
      // Every parent folder is implied by the file; -1 marks "implied, no entry".
      const parts = key.split("/");
      for (let i = 1; i < parts.length; i += 1) {
        const parent = parts.slice(0, i).join("/");
        if (!folders.has(parent)) folders.set(parent, -1);
      }
    }

    total += raw.uncompressedSize;
    if (!totalReported && total > limits.maxUncompressedBytes) {
      totalReported = true;
      findings.add(
        "ARCHIVE_TOO_LARGE",
        entryError(index, name, `brings the uncompressed total past ${limits.maxUncompressedBytes} bytes`),
      );
    }
    const ratio = raw.uncompressedSize / Math.max(raw.compressedSize, 1);
    if (raw.uncompressedSize > RATIO_GRACE_BYTES && ratio > limits.maxCompressionRatio) {
      findings.add(
        "ARCHIVE_TOO_LARGE",
        entryError(
          index,
          name,
          `expands ${Math.round(ratio)}x (${raw.compressedSize} -> ${raw.uncompressedSize} bytes); the limit is ${limits.maxCompressionRatio}x`,
        ),
      );
    }
  }

  // A name used both as a file and as a folder ("a" and "a/b") cannot be extracted.
  for (const [key, index] of files) {
    if (folders.has(key)) {
      const entry = entries[index]!;
      findings.add("ARCHIVE_UNSAFE", entryError(index, entry.name, "is also used as a folder name"));
    }
  }

  const overall = total / Math.max(archiveSize, 1);
  if (total > RATIO_GRACE_BYTES && overall > limits.maxCompressionRatio) {
    findings.add("ARCHIVE_TOO_LARGE", {
      path: "",
      message: `the archive expands ${Math.round(overall)}x (${archiveSize} -> ${total} bytes); the limit is ${limits.maxCompressionRatio}x`,
    });
  }
  findings.throwIfAny();
}
