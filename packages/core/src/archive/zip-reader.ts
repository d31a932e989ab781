import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { asArchiveError } from "./archive-error.js";

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
      zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
        yauzl.open(
          path,
          { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
          (error, zipfile) => (error ? reject(error) : resolve(zipfile)),
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
