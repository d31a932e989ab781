import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface Digest {
  /** Lowercase hex SHA-256. */
  sha256: string;
  size: number;
}

/**
 * A pass-through stream that hashes what flows through it. `digest` resolves when
 * the stream ends and rejects if it fails (it never causes an unhandled rejection
 * when nobody waits for it).
 */
export class Sha256Stream extends Transform {
  readonly digest: Promise<Digest>;
  private readonly hash = createHash("sha256");
  private size = 0;
  private settle!: { resolve: (d: Digest) => void; reject: (e: unknown) => void };

  constructor() {
    super();
    this.digest = new Promise<Digest>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.digest.catch(() => {});
    this.once("error", (error) => this.settle.reject(error));
    this.once("close", () => this.settle.reject(new Error("the stream closed before it ended")));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // A settled promise ignores the "close" rejection that follows.
    this.settle.resolve({ sha256: this.hash.digest("hex"), size: this.size });
    callback();
  }
}

/** A new hashing pass-through (see Sha256Stream). */
export function sha256Stream(): Sha256Stream {
  return new Sha256Stream();
}

/** SHA-256 and size of a file, streamed (never the whole file in memory). */
export async function sha256File(path: string): Promise<Digest> {
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
    }
  });
  return { sha256: hash.digest("hex"), size };
}
