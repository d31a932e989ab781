import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";
import { archiveError, entryError } from "./archive-error.js";
import type { ZipEntry } from "./zip-reader.js";

/**
 * Sits right after an entry's inflate stream and makes its declared header values
 * true: it fails as soon as the data passes the declared uncompressed size (a zip
 * bomb with a lying header is stopped after at most one extra chunk, never inflated
 * in full), and at the end checks that the size and the CRC-32 match.
 */
export class EntryGuard extends Transform {
  private bytes = 0;
  private crc = 0;

  constructor(private readonly entry: ZipEntry) {
    super();
  }

  /** Bytes that have passed so far. */
  get inflatedBytes(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const declared = this.entry.raw.uncompressedSize;
    if (this.bytes > declared) {
      callback(
        archiveError("ARCHIVE_TOO_LARGE", "an entry holds more data than its header declares", [
          entryError(
            this.entry.index,
            this.entry.name,
            `inflates past its declared size of ${declared} bytes (stopped after ${this.bytes})`,
          ),
        ]),
      );
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { uncompressedSize, crc32: expected } = this.entry.raw;
    if (this.bytes !== uncompressedSize) {
      callback(
        archiveError("ARCHIVE_INVALID", "an entry is truncated", [
          entryError(
            this.entry.index,
            this.entry.name,
            `has ${this.bytes} bytes, its header declares ${uncompressedSize}`,
          ),
        ]),
      );
      return;
    }
    if (this.crc >>> 0 !== expected >>> 0) {
      callback(
        archiveError("ARCHIVE_INVALID", "an entry is corrupt", [
          entryError(this.entry.index, this.entry.name, "fails its CRC-32 check"),
        ]),
      );
      return;
    }
    callback();
  }
}
