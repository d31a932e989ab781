import { close, fstat, open, read } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { promisify } from "node:util";
import yauzl from "yauzl";
import { asArchiveError } from "./archive-error.js";

const CHUNK = 64 * 1024;

/**
 * Positional reads of [start, end) from a shared fd. Not an fs.ReadStream: that
 * one closes its fd when destroyed, and yauzl destroys the streams it is done with.
 */
class RangeStream extends Readable {
  private position: number;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
  ) {
    super();
    this.position = start;
  }

  override _read(): void {
    const length = Math.min(CHUNK, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    read(this.fd, buffer, 0, length, this.position, (error, bytes) => {
      if (error) return this.destroy(error);
      // A short file ends the stream early; yauzl's byte count turns that into an error.
      if (bytes === 0) return this.push(null);
      this.position += bytes;
      this.push(bytes < length ? buffer.subarray(0, bytes) : buffer);
    });
  }
}

/**
 * yauzl's file reader, with every read checked against the file first. A zip64
 * record can name offsets past 2^53; yauzl hands them to fs.read, which throws
 * inside a callback where nothing can catch it and the process dies. Here such a
 * read is a stream error, which becomes ARCHIVE_INVALID like any other.
 */
class BoundedFileReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const inside =
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(end) &&
      0 <= start &&
      start <= end &&
      end <= this.size;
    if (!inside) {
      const refused = new PassThrough();
      process.nextTick(() =>
        refused.destroy(new Error(`the archive points outside itself (${start}..${end})`)),
      );
      return refused;
    }
    if (start === end) {
      const empty = new PassThrough();
      empty.end();
      return empty;
    }
    return new RangeStream(this.fd, start, end);
  }

  override close(callback: (err: Error | null) => void): void {
    close(this.fd, callback);
  }
}

/** One central directory record, with its name decoded exactly as it will be extracted. */
export interface ZipEntry {
  index: number;
  name: string;
  raw: yauzl.Entry;
}

/**
 * A zip opened for checking: yauzl without its own name validation (so that every
 * unsafe name becomes our FieldError instead of an opaque failure) and without its
 * size validation (the entry guard enforces declared sizes and CRCs itself).
 */
export class ZipReader {
  private constructor(private readonly zip: yauzl.ZipFile) {}

  static async open(path: string): Promise<ZipReader> {
    let zip: yauzl.ZipFile;
    try {
      // A plain fd (not a FileHandle, which would close it again when collected):
      // it belongs to the reader, which closes it when yauzl lets go of it.
      const fd = await promisify(open)(path, "r");
      const { size } = await promisify(fstat)(fd).catch(async (error: unknown) => {
        await promisify(close)(fd);
        throw error;
      });
      const reader = new BoundedFileReader(fd, size);
      zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
        yauzl.fromRandomAccessReader(
          reader,
          size,
          { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
          (error, zipfile) => {
            if (error) {
              reader.close(() => {});
              reject(error);
            } else resolve(zipfile);
          },
        );
      });
    } catch (error) {
      throw asArchiveError(error);
    }
    // Errors reach us through promises and streams; a late one (closing the fd)
    // must not become an uncaught "error" event.
    zip.on("error", () => {});
    return new ZipReader(zip);
  }

  /** Entry count from the end-of-central-directory record: known before reading any entry. */
  get entryCount(): number {
    return this.zip.entryCount;
  }

  /** Every central directory record, in order. */
  async entries(): Promise<ZipEntry[]> {
    const zip = this.zip;
    const out: ZipEntry[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const onEntry = (raw: yauzl.Entry) => {
          // decodeStrings is off: decode as yauzl would, but keep backslashes
          // (strict) so that they are rejected rather than silently turned into "/".
          const name = yauzl.getFileNameLowLevel(
            raw.generalPurposeBitFlag,
            raw.fileNameRaw,
            raw.extraFields,
            true,
          );
          out.push({ index: out.length, name, raw });
          zip.readEntry();
        };
        const done = (error?: unknown) => {
          zip.removeListener("entry", onEntry);
          zip.removeListener("end", done);
          zip.removeListener("error", done);
          if (error) reject(error);
          else resolve();
        };
        zip.on("entry", onEntry);
        zip.once("end", () => done());
        zip.once("error", done);
        zip.readEntry();
      });
    } catch (error) {
      throw asArchiveError(error);
    }
    return out;
  }

  /** Where the entry's data starts, and the name its local header gives. */
  async localHeader(entry: ZipEntry): Promise<{ dataStart: number; rawName: Buffer }> {
    try {
      const header = await this.zip.readLocalFileHeaderPromise(entry.raw);
      return { dataStart: header.fileDataStart, rawName: header.fileName };
    } catch (error) {
      throw asArchiveError(error);
    }
  }

  /** The entry's decompressed bytes (stored or deflated entries only). */
  async openData(entry: ZipEntry): Promise<Readable> {
    try {
      return await this.zip.openReadStreamPromise(entry.raw);
    } catch (error) {
      throw asArchiveError(error);
    }
  }

  close(): void {
    this.zip.close();
  }
}
