import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError, type Digest } from "@arcade/core";

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A check of Sha256Stream that failed; `describe` turns it into the error the stream fails with. */
export type FailedCheck =
  | { code: "PAYLOAD_TOO_LARGE"; bytes: number; maxBytes: number }
  | { code: "SIZE_MISMATCH"; bytes: number; expectedSize: number; ended: boolean }
  | { code: "CHECKSUM_MISMATCH"; sha256: string; expectedSha256: string };

export interface Sha256StreamOptions {
  /** Expected SHA-256 (hex, any case); checked at the end (CHECKSUM_MISMATCH). */
  expectedSha256?: string | undefined;
  /** Expected byte count; checked as soon as it is passed and at the end (SIZE_MISMATCH). */
  expectedSize?: number | undefined;
  /** Fails with PAYLOAD_TOO_LARGE as soon as more bytes than this have flowed through. */
  maxBytes?: number | undefined;
  /** The error a failed check becomes; default: an AppError with the check's code. */
  describe?: ((check: FailedCheck) => AppError) | undefined;
  /** Called for every chunk before it is checked (a caller's idle watchdog, for one). */
  onChunk?: ((chunk: Buffer) => void) | undefined;
}

/**
 * The one SHA-256 pass-through of the platform: it hashes and counts what flows
 * through it and, when told, enforces a size limit, an expected size and an expected
 * digest. A failed check errors the stream *before* it ends, so a consumer (a file
 * writer, an S3 upload, an unpacker) never sees a clean end of a bad body and never
 * commits it. `digest` resolves when the stream ends and rejects if it fails (it never
 * causes an unhandled rejection when nobody waits for it).
 */
export class Sha256Stream extends Transform {
  readonly digest: Promise<Digest>;
  /** The error a failed check errored the stream with, if any (not errors of others). */
  failure: AppError | null = null;
  private readonly hash: Hash = createHash("sha256");
  private readonly options: Sha256StreamOptions;
  private bytes = 0;
  private result: Digest | null = null;
  private settle!: { resolve: (d: Digest) => void; reject: (e: unknown) => void };

  constructor(options: Sha256StreamOptions = {}) {
    super();
    if (options.expectedSha256 !== undefined && !SHA256_HEX.test(options.expectedSha256)) {
      throw new AppError("BAD_REQUEST", `expected SHA-256 is not 64 hex digits: ${options.expectedSha256}`);
    }
    this.options = options;
    this.digest = new Promise<Digest>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.digest.catch(() => {});
    this.once("error", (error) => this.settle.reject(error));
    this.once("close", () => this.settle.reject(new Error("the stream closed before it ended")));
  }

  /**
   * Bytes seen so far (the final size once the stream has ended). Not named
   * `size`: lib-storage reads `Body.size` as the total length of an upload.
   */
  get byteCount(): number {
    return this.bytes;
  }

  /** Lowercase hex SHA-256 of the whole body; only after the stream has ended. */
  get sha256(): string {
    if (this.result === null) throw new Error("Sha256Stream: sha256 read before the stream ended");
    return this.result.sha256;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.options.onChunk?.(chunk);
    this.bytes += chunk.length;
    const { maxBytes, expectedSize } = this.options;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      callback(this.fail({ code: "PAYLOAD_TOO_LARGE", bytes: this.bytes, maxBytes }));
      return;
    }
    if (expectedSize !== undefined && this.bytes > expectedSize) {
      callback(this.fail({ code: "SIZE_MISMATCH", bytes: this.bytes, expectedSize, ended: false }));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { expectedSize, expectedSha256 } = this.options;
    if (expectedSize !== undefined && this.bytes !== expectedSize) {
      callback(this.fail({ code: "SIZE_MISMATCH", bytes: this.bytes, expectedSize, ended: true }));
      return;
    }
    const sha256 = this.hash.digest("hex");
    if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase()) {
      callback(this.fail({ code: "CHECKSUM_MISMATCH", sha256, expectedSha256 }));
      return;
    }
    this.result = { sha256, size: this.bytes };
    // A settled promise ignores the "close" rejection that follows.
    this.settle.resolve(this.result);
    callback();
  }

  private fail(check: FailedCheck): AppError {
    this.failure = (this.options.describe ?? describeCheck)(check);
    return this.failure;
  }
}

/** The default errors of the checks: the code and a plain message. */
function describeCheck(check: FailedCheck): AppError {
  switch (check.code) {
    case "PAYLOAD_TOO_LARGE":
      return new AppError(check.code, `body is larger than the limit of ${check.maxBytes} bytes`);
    case "SIZE_MISMATCH":
      return new AppError(
        check.code,
        check.ended
          ? `body has ${check.bytes} bytes, expected ${check.expectedSize}`
          : `body is larger than the expected ${check.expectedSize} bytes`,
      );
    case "CHECKSUM_MISMATCH":
      return new AppError(check.code, `body has SHA-256 ${check.sha256}, expected ${check.expectedSha256}`);
  }
}

/** A new hashing pass-through (see Sha256Stream). */
export function sha256Stream(options: Sha256StreamOptions = {}): Sha256Stream {
  return new Sha256Stream(options);
}

/** SHA-256 and size of a file, streamed (never the whole file in memory). */
export async function sha256File(path: string): Promise<Digest> {
  const hashing = sha256Stream();
  const nowhere = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  await pipeline(createReadStream(path), hashing, nowhere);
  return hashing.digest;
}
