import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { Sha256Stream } from "./sha256.js";

const sha256Of = (data: Buffer) => createHash("sha256").update(data).digest("hex");

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

describe("Sha256Stream checks", () => {
  it("passes bytes through and reports sha256 and byte count", async () => {
    const hasher = new Sha256Stream();
    const out = sink();
    await pipeline(chunks(3, 1000), hasher, out);
    expect(out.received).toBe(3000);
    expect(hasher.byteCount).toBe(3000);
    expect(hasher.sha256).toBe(sha256Of(Buffer.alloc(3000, 7)));
  });

  it("accepts a matching expected sha256 in any case, and size", async () => {
    const expected = sha256Of(Buffer.alloc(3000, 7)).toUpperCase();
    const hasher = new Sha256Stream({ expectedSha256: expected, expectedSize: 3000, maxBytes: 3000 });
    await pipeline(chunks(3, 1000), hasher, sink());
    expect(hasher.failure).toBeNull();
  });

  it("fails with CHECKSUM_MISMATCH before the end reaches the consumer", async () => {
    const hasher = new Sha256Stream({ expectedSha256: "0".repeat(64) });
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
    const hasher = new Sha256Stream({ maxBytes: 10_000 });
    await expect(pipeline(endless, hasher, sink())).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      status: 413,
    });
    expect(produced).toBeLessThan(100_000);
  });

  it("fails with SIZE_MISMATCH as soon as the body is longer, and at the end when shorter", async () => {
    await expect(
      pipeline(chunks(3, 1000), new Sha256Stream({ expectedSize: 2500 }), sink()),
    ).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
    });
    await expect(
      pipeline(chunks(3, 1000), new Sha256Stream({ expectedSize: 3500 }), sink()),
    ).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
    });
  });

  it("rejects an expected sha256 that is not 64 hex digits", () => {
    expect(() => new Sha256Stream({ expectedSha256: "abc" })).toThrow(
      expect.objectContaining({ code: "BAD_REQUEST" }),
    );
  });

  it("fails with the caller's error when it describes the checks, and tells each chunk", async () => {
    const seen: number[] = [];
    const hasher = new Sha256Stream({
      expectedSize: 1500,
      describe: (check) => new AppError(check.code, `custom: ${JSON.stringify(check)}`),
      onChunk: (chunk) => seen.push(chunk.length),
    });
    await expect(pipeline(chunks(3, 1000), hasher, sink())).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
      message: `custom: ${JSON.stringify({ code: "SIZE_MISMATCH", bytes: 2000, expectedSize: 1500, ended: false })}`,
    });
    expect(hasher.failure).toMatchObject({ code: "SIZE_MISMATCH" });
    expect(seen).toEqual([1000, 1000]);
  });

  it("resolves its digest only when every check passed", async () => {
    const good = new Sha256Stream({ expectedSize: 3000 });
    await pipeline(chunks(3, 1000), good, sink());
    expect(await good.digest).toEqual({ sha256: sha256Of(Buffer.alloc(3000, 7)), size: 3000 });
    const bad = new Sha256Stream({ expectedSha256: "0".repeat(64) });
    await expect(pipeline(chunks(1, 10), bad, sink())).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
    await expect(bad.digest).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
  });
});
