import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256File, sha256Stream } from "./sha256.js";
import { scratchDir } from "./zip-fixtures.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  scratch = await scratchDir("sha");
});
afterAll(async () => {
  await scratch.cleanup();
});

describe("sha256File / sha256Stream", () => {
  it("hashes a file", async () => {
    const data = randomBytes(300_000);
    const file = path.join(scratch.dir, "f.bin");
    await writeFile(file, data);
    expect(await sha256File(file)).toEqual({
      sha256: createHash("sha256").update(data).digest("hex"),
      size: data.length,
    });
  });

  it("hashes an empty file", async () => {
    const file = path.join(scratch.dir, "empty");
    await writeFile(file, "");
    expect((await sha256File(file)).sha256).toBe(createHash("sha256").digest("hex"));
  });

  it("rejects a missing file with the system error", async () => {
    await expect(sha256File(path.join(scratch.dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("hashes what passes through and passes it on unchanged", async () => {
    const parts = [Buffer.from("ab"), Buffer.from("cd")];
    const hashing = sha256Stream();
    const seen: Buffer[] = [];
    await pipeline(
      Readable.from(parts),
      hashing,
      new Writable({
        write(c, _e, cb) {
          seen.push(c);
          cb();
        },
      }),
    );
    expect(Buffer.concat(seen).toString()).toBe("abcd");
    expect(await hashing.digest).toEqual({
      sha256: createHash("sha256").update("abcd").digest("hex"),
      size: 4,
    });
  });

  it("rejects its digest when the stream fails", async () => {
    const hashing = sha256Stream();
    hashing.destroy(new Error("boom"));
    await expect(hashing.digest).rejects.toThrow("boom");
  });
});
