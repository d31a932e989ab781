import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { AppError } from "@arcade/core";

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export interface HashingStreamOptions {
  /** Expected lowercase hex SHA-256; checked at the end (CHECKSUM_MISMATCH). */
  expectedSha256?: string | undefined;
  /** Expected byte count; checked as soon as it is passed and at the end (SIZE_MISMATCH). */
  expectedSize?: number | undefined;
  /** Fails with PAYLOAD_TOO_LARGE as soon as more bytes than this have flowed through. */
  maxBytes?: number | undefined;
}

/**
 * Pass-through that hashes and counts what flows through it and enforces the
 * limits of a put. A failed check errors the stream *before* it ends, so a
 * consumer (file writer, S3 uploader) never sees a clean end of a bad body and
 * never commits it.
 */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private readonly options: HashingStreamOptions;
  private bytes = 0;
  private digest: string | null = null;
  /** The AppError this stream failed with, if a check failed. */
  failure: AppError | null = null;

  constructor(options: HashingStreamOptions = {}) {
    super();
    if (options.expectedSha256 !== undefined && !SHA256_HEX.test(options.expectedSha256)) {
      throw new AppError("BAD_REQUEST", `expected SHA-256 is not 64 hex digits: ${options.expectedSha256}`);
    }
    this.options = options;
  }

  /**
   * Bytes seen so far (the final size once the stream has ended). Not named
   * `size`: lib-storage reads `Body.size` as the total length of the upload.
   */
  get byteCount(): number {
    return this.bytes;
  }

  /** Lowercase hex SHA-256 of the whole body; only after the stream has ended. */
  get sha256(): string {
    if (this.digest === null) throw new Error("HashingStream: sha256 read before the stream ended");
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const { maxBytes, expectedSize } = this.options;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      callback(this.fail("PAYLOAD_TOO_LARGE", `body is larger than the limit of ${maxBytes} bytes`));
      return;
    }
    if (expectedSize !== undefined && this.bytes > expectedSize) {
      callback(this.fail("SIZE_MISMATCH", `body is larger than the expected ${expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { expectedSize, expectedSha256 } = this.options;
    if (expectedSize !== undefined && this.bytes !== expectedSize) {
      callback(this.fail("SIZE_MISMATCH", `body has ${this.bytes} bytes, expected ${expectedSize}`));
      return;
    }
    const digest = this.hash.digest("hex");
    if (expectedSha256 !== undefined && digest !== expectedSha256.toLowerCase()) {
      callback(this.fail("CHECKSUM_MISMATCH", `body has SHA-256 ${digest}, expected ${expectedSha256}`));
      return;
    }
    this.digest = digest;
    callback();
  }

  private fail(code: "PAYLOAD_TOO_LARGE" | "SIZE_MISMATCH" | "CHECKSUM_MISMATCH", message: string): AppError {
    this.failure = new AppError(code, message);
    return this.failure;
  }
}
