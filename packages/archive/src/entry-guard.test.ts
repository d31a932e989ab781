import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import type yauzl from "yauzl";
import { EntryGuard } from "./entry-guard.js";
import type { ZipEntry } from "./zip-reader.js";

function entry(uncompressedSize: number, crc: number): ZipEntry {
  return { index: 7, name: "e.bin", raw: { uncompressedSize, crc32: crc } as yauzl.Entry };
}

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

/** A stream that never ends on its own. */
function endless(): Readable {
  const block = Buffer.alloc(64 * 1024);
  return new Readable({
    read() {
      this.push(block);
    },
  });
}

describe("EntryGuard", () => {
  it("passes data that matches the declared size and CRC", async () => {
    const data = Buffer.from("hello world");
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([data]),
      new EntryGuard(entry(data.length, crc32(data))),
      async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) chunks.push(c);
      },
    );
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it("stops an endless stream right after it passes the declared size", async () => {
    const guard = new EntryGuard(entry(100_000, 0));
    const error = await pipeline(endless(), guard, sink()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "ARCHIVE_TOO_LARGE", errors: [{ path: "/entries/7" }] });
    expect(guard.inflatedBytes).toBeLessThanOrEqual(100_000 + 64 * 1024);
  });

  it("rejects fewer bytes than declared", async () => {
    const error = await pipeline(
      Readable.from([Buffer.from("abc")]),
      new EntryGuard(entry(4, 0)),
      sink(),
    ).catch((e) => e);
    expect(error).toMatchObject({
      code: "ARCHIVE_INVALID",
      errors: [{ message: expect.stringMatching(/has 3 bytes/) }],
    });
  });

  it("rejects a CRC mismatch", async () => {
    const data = Buffer.from("abc");
    const error = await pipeline(
      Readable.from([data]),
      new EntryGuard(entry(3, crc32(data) ^ 1)),
      sink(),
    ).catch((e) => e);
    expect(error).toMatchObject({
      code: "ARCHIVE_INVALID",
      errors: [{ message: expect.stringMatching(/CRC-32/) }],
    });
  });

  it("accepts an empty entry", async () => {
    await expect(pipeline(Readable.from([]), new EntryGuard(entry(0, 0)), sink())).resolves.toBeUndefined();
  });
});
