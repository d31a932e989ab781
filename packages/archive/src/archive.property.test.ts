import { readdir } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@arcade/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractArchive } from "./extract-archive.js";
import { inspectArchive } from "./inspect-archive.js";
import { pluginEntries, rewriteZip, scratchDir, yazlZip } from "./zip-fixtures.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let valid: Buffer;
beforeAll(async () => {
  scratch = await scratchDir("prop");
  valid = await yazlZip(pluginEntries([{ name: "lib/util.js", data: "export const a = 1;\n".repeat(20) }]));
});
afterAll(async () => {
  await scratch.cleanup();
});

async function outcome(buf: Buffer): Promise<"ok" | AppError> {
  try {
    await inspectArchive(await scratch.file("p.zip", buf));
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return error;
    throw new Error(`not an AppError: ${String(error)}`, { cause: error });
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    out.push(full);
    if (d.isDirectory()) out.push(...(await walk(full)));
  }
  return out;
}

describe("archive inspection never crashes", () => {
  it("random bytes are always an AppError (ARCHIVE_INVALID)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const result = await outcome(Buffer.from(bytes));
        expect(result).not.toBe("ok");
        expect((result as AppError).code).toBe("ARCHIVE_INVALID");
      }),
      { numRuns: 150 },
    );
  });

  it("random bytes that end like a zip are always an AppError", async () => {
    const tail = valid.subarray(valid.length - 22);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (bytes) => {
        expect(await outcome(Buffer.concat([Buffer.from(bytes), tail]))).toBeInstanceOf(AppError);
      }),
      { numRuns: 100 },
    );
  });

  it("a valid archive with random bytes overwritten is accepted or an AppError, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 1_000_000 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const buf = Buffer.from(valid);
          for (const [at, value] of edits) buf[at % buf.length] = value;
          await outcome(buf);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a truncated valid archive is an AppError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 10_000 }), async (cut) => {
        const length = cut % valid.length;
        expect(await outcome(valid.subarray(0, length))).toBeInstanceOf(AppError);
      }),
      { numRuns: 60 },
    );
  });
});

const hostilePiece = fc.constantFrom(
  "..",
  ".",
  "",
  "/",
  "\\",
  "C:",
  "c:",
  "\u0000",
  "\u001f",
  "\u0085",
  "a",
  "é",
  "e\u0301",
  "A",
  "lib",
  "~",
  " ",
  "𝔘",
);
const segmentish = fc.oneof(
  hostilePiece,
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);
const entryName = fc.oneof(
  fc.array(segmentish, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/")),
  fc.array(segmentish, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", minLength: 1, maxLength: 60 }),
);

describe("random entry names", () => {
  it("either pass (and extract inside the folder) or are ARCHIVE_UNSAFE", async () => {
    const base = await yazlZip(pluginEntries([{ name: "placeholder.bin", data: "payload" }]));
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(entryName, async (name) => {
        const buf = rewriteZip(base, (e) => (e.index === 2 ? { name } : undefined));
        const result = await outcome(buf);
        if (result !== "ok") {
          expect(result.code, `${JSON.stringify(name)}: ${result.message}`).toBe("ARCHIVE_UNSAFE");
          return;
        }
        passed += 1;
        const target = path.join(scratch.dir, `x-${passed}`);
        await extractArchive(await scratch.file("e.zip", buf), target);
        for (const file of await walk(target)) expect(file.startsWith(target + path.sep)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(passed).toBeGreaterThan(0);
  }, 60_000);
});
