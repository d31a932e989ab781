import type { Readable } from "node:stream";
import type { Manifest } from "@arcade/contracts";
import type { ArchiveLimits } from "../limits/archive-limits.js";

/** SHA-256 and size of some bytes. */
export interface Digest {
  /** Lowercase hex SHA-256. */
  sha256: string;
  size: number;
}

export interface ArchiveEntry {
  /** As in the archive; folders end with "/". */
  name: string;
  /** Uncompressed bytes. */
  size: number;
  compressedSize: number;
}

export interface ArchiveInspection {
  manifest: Manifest;
  entries: ArchiveEntry[];
  totalUncompressed: number;
  /** Lowercase hex SHA-256 of the whole .zip file. */
  sha256: string;
  /** Bytes of the .zip file. */
  size: number;
}

export interface SingleFileArchiveInput {
  /** The `manifest` form field: a parsed object or its JSON text. */
  manifest: unknown;
  /** Name of the uploaded module, e.g. `slack.mjs`; the manifest's entryPoint must equal it. */
  fileName: string;
  content: Readable | Buffer;
}

export interface BuiltArchive extends Digest {
  path: string;
}

/**
 * What a job needs of plugin archives on disk. The implementation (`archiveTools` of
 * @arcade/archive) reads files, so core, which does no I/O of its own, only names it; the
 * composition roots pass it in.
 */
export interface ArchiveTools {
  /** SHA-256 and size of a file, streamed. */
  digestFile(path: string): Promise<Digest>;
  /** Every archive rule checked without extracting (ARCHIVE_*, MANIFEST_*, ENTRY_POINT_MISSING). */
  inspect(path: string, limits?: Partial<ArchiveLimits>): Promise<ArchiveInspection>;
  /** The "one module file plus a manifest" upload as a regular plugin archive at `outPath`. */
  buildSingleFile(input: SingleFileArchiveInput, outPath: string): Promise<BuiltArchive>;
}
