import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { HashingStream } from "./hashing-stream.js";
import { sha256Of } from "./testing/random-body.js";

function sink(): Writable & { received: number } {
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.received += chunk.length;
      callback();
    },
  }) as Writable & { received: number };
  out.received = 0;
  return out;
}

const chunks = (count: number, size: number) =>
  Readable.from(Array.from({ length: count }, () => Buffer.alloc(size, 7)));

describe("HashingStream", () => {
  it("passes bytes through and reports sha256 and byte count", async () => {
    const hasher = new HashingStream();
    const out = sink();
    await pipeline(chunks(3, 1000), hasher, out);
    expect(out.received).toBe(3000);
    expect(hasher.byteCount).toBe(3000);
    expect(hasher.sha256).toBe(sha256Of(Buffer.alloc(3000, 7)));
  });

  it("accepts a matching expected sha256 in any case, and size", async () => {
    const expected = sha256Of(Buffer.alloc(3000, 7)).toUpperCase();
    const hasher = new HashingStream({ expectedSha256: expected, expectedSize: 3000, maxBytes: 3000 });
    await pipeline(chunks(3, 1000), hasher, sink());
    expect(hasher.failure).toBeNull();
  });

  it("fails with CHECKSUM_MISMATCH before the end reaches the consumer", async () => {
    const hasher = new HashingStream({ expectedSha256: "0".repeat(64) });
    const out = sink();
    let finished = false;
    out.on("finish", () => {
      finished = true;
    });
    await expect(pipeline(chunks(3, 1000), hasher, out)).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
    expect(finished).toBe(false);
  });

  it("stops at maxBytes without reading the rest", async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1000;
        this.push(Buffer.alloc(1000));
      },
    });
    const hasher = new HashingStream({ maxBytes: 10_000 });
    await expect(pipeline(endless, hasher, sink())).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      status: 413,
    });
    expect(produced).toBeLessThan(100_000);
  });

  it("fails with SIZE_MISMATCH as soon as the body is longer, and at the end when shorter", async () => {
    await expect(
      pipeline(chunks(3, 1000), new HashingStream({ expectedSize: 2500 }), sink()),
    ).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
    });
    await expect(
      pipeline(chunks(3, 1000), new HashingStream({ expectedSize: 3500 }), sink()),
    ).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
    });
  });

  it("rejects an expected sha256 that is not 64 hex digits", () => {
    expect(() => new HashingStream({ expectedSha256: "abc" })).toThrow(
      expect.objectContaining({ code: "BAD_REQUEST" }),
    );
  });
});
