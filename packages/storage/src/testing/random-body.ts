import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";

export interface RandomBody {
  stream: Readable;
  /** How many bytes the consumer has pulled so far. */
  readonly produced: number;
  /** SHA-256 of everything produced; call after the stream ended. */
  sha256(): string;
}

/**
 * A pseudo-random (incompressible) body of `size` bytes, generated chunk by
 * chunk as it is read, so even a 100 MB body never exists in memory at once.
 */
export function randomBody(size: number, chunkSize = 64 * 1024): RandomBody {
  const hash = createHash("sha256");
  let produced = 0;
  let digest: string | null = null;
  const stream = new Readable({
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(chunkSize, size - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return {
    stream,
    get produced() {
      return produced;
    },
    sha256() {
      digest ??= hash.digest("hex");
      return digest;
    },
  };
}

/** Hashes a stream to the end without keeping it. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest("hex"), size };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256Of(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}
