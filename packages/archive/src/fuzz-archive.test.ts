/**
 * Property-based fuzzing of the archive inspector (test/hostile/README.md): seed archives from
 * test/hostile/corpus/ (plus two built here), mutated byte-wise, truncated, spliced and with
 * header fields set to edge values, go through inspectArchive. Each run must end, within a
 * bound, either accepted (and then consistent: extraction agrees and stays in its folder) or
 * with an AppError of the archive/manifest family; anything else is a defect.
 *
 * Deterministic by default (fixed seed, bounded runs); a longer run:
 *   FUZZ_RUNS=20000 FUZZ_SEED=42 pnpm exec vitest run --config test/vitest.config.ts packages/archive/src/fuzz-archive.test.ts
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ErrorCode } from "@arcade/contracts";
import type { ArchiveLimits } from "@arcade/core";
import { AppError, validateManifest } from "@arcade/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryNameProblem } from "./entry-name.js";
import { extractArchive } from "./extract-archive.js";
import { inspectArchive } from "./inspect-archive.js";
import { pluginEntries, scratchDir, yazlZip } from "./zip-fixtures.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20_241_125);
/** A run that takes this long is a hang; nothing here takes more than a few milliseconds. */
const HANG_MS = 10_000;
/** Long runs (FUZZ_RUNS) get a proportionally longer vitest timeout. */
const TEST_TIMEOUT_MS = Math.max(60_000, RUNS * 200);

const ALLOWED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "ARCHIVE_INVALID",
  "ARCHIVE_UNSAFE",
  "ARCHIVE_TOO_LARGE",
  "MANIFEST_MISSING",
  "MANIFEST_INVALID",
  "ENTRY_POINT_MISSING",
]);

/** Small limits, so that mutated sizes and counts reach ARCHIVE_TOO_LARGE too. */
const LIMITS: Partial<ArchiveLimits> = { maxEntries: 64, maxUncompressedBytes: 4 * 1024 * 1024 };

const CORPUS = path.resolve(import.meta.dirname, "../../../test/hostile/corpus");

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let seeds: Buffer[] = [];

beforeAll(async () => {
  scratch = await scratchDir("fuzz-archive");
  const files = (() => {
    try {
      return readdirSync(CORPUS).filter((f) => f.endsWith(".zip"));
    } catch {
      return [];
    }
  })();
  seeds = files.sort().map((f) => readFileSync(path.join(CORPUS, f)));
  seeds.push(
    await yazlZip(pluginEntries([{ name: "lib/a.js", data: "export const a = 1;\n".repeat(30) }])),
    await yazlZip(
      pluginEntries([
        { name: "lib/", directory: true },
        { name: "b.bin", data: "x", compress: false },
      ]),
    ),
  );
});

afterAll(async () => {
  await scratch.cleanup();
});

/** Where the zip structures sit, found by their signatures (false hits in data are fine here). */
type Field = { at: number; width: 2 | 4 | 8 };

const LAYOUTS: Record<number, [number, 2 | 4 | 8][]> = {
  // local file header: version, flags, method, time, date, crc, sizes, name/extra lengths
  67324752: [
    [4, 2],
    [6, 2],
    [8, 2],
    [10, 2],
    [12, 2],
    [14, 4],
    [18, 4],
    [22, 4],
    [26, 2],
    [28, 2],
  ],
  // central directory record: ..., flags, method, crc, sizes, lengths, disk, attributes, offset
  33639248: [
    [4, 2],
    [6, 2],
    [8, 2],
    [10, 2],
    [16, 4],
    [20, 4],
    [24, 4],
    [28, 2],
    [30, 2],
    [32, 2],
    [34, 2],
    [36, 2],
    [38, 4],
    [42, 4],
  ],
  // end of central directory: disks, counts, size, offset, comment length
  101010256: [
    [4, 2],
    [6, 2],
    [8, 2],
    [10, 2],
    [12, 4],
    [16, 4],
    [20, 2],
  ],
  // zip64 end record and locator
  101075792: [
    [4, 8],
    [16, 4],
    [20, 4],
    [24, 8],
    [32, 8],
    [40, 8],
    [48, 8],
  ],
  117853008: [
    [4, 4],
    [8, 8],
    [16, 4],
  ],
  // data descriptor
  134695760: [
    [4, 4],
    [8, 4],
    [12, 4],
  ],
};

function headerFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 1) {
    if (buf[i] !== 0x50 || buf[i + 1] !== 0x4b) continue;
    const layout = LAYOUTS[buf.readUInt32LE(i)];
    if (!layout) continue;
    for (const [offset, width] of layout)
      if (i + offset + width <= buf.length) fields.push({ at: i + offset, width });
  }
  return fields;
}

function writeField(buf: Buffer, field: Field, value: bigint): void {
  const max = (1n << BigInt(field.width * 8)) - 1n;
  const v = ((value % (max + 1n)) + (max + 1n)) % (max + 1n);
  if (field.width === 2) buf.writeUInt16LE(Number(v), field.at);
  else if (field.width === 4) buf.writeUInt32LE(Number(v), field.at);
  else buf.writeBigUInt64LE(v, field.at);
}

const EDGE_VALUES = [
  0n,
  1n,
  2n,
  8n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0xfffen,
  0xffffn,
  0x7fffffffn,
  0xffffffffn,
  1n << 62n,
];

/** One mutation of a seed: what fast-check generates and shrinks. */
type Mutation =
  | { kind: "bytes"; edits: [number, number][] }
  | { kind: "bits"; flips: [number, number][] }
  | { kind: "truncate"; keep: number }
  | { kind: "field"; picks: [number, bigint][] }
  | { kind: "fieldDelta"; picks: [number, number][] }
  | { kind: "splice"; from: number; length: number; to: number }
  | { kind: "delete"; from: number; length: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "affix"; before: Uint8Array; after: Uint8Array };

const position = fc.nat({ max: 1_000_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("bytes" as const),
    edits: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant("bits" as const),
    flips: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), keep: position }),
  fc.record({
    kind: fc.constant("field" as const),
    picks: fc.array(
      fc.tuple(
        position,
        fc.oneof(fc.constantFrom(...EDGE_VALUES), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  fc.record({
    kind: fc.constant("fieldDelta" as const),
    picks: fc.array(fc.tuple(position, fc.integer({ min: -70_000, max: 70_000 })), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({
    kind: fc.constant("splice" as const),
    from: position,
    length: fc.nat({ max: 400 }),
    to: position,
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    from: position,
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant("affix" as const),
    before: fc.uint8Array({ maxLength: 64 }),
    after: fc.uint8Array({ maxLength: 64 }),
  }),
);

function mutate(seed: Buffer, m: Mutation): Buffer {
  const n = seed.length;
  switch (m.kind) {
    case "bytes": {
      const out = Buffer.from(seed);
      for (const [at, value] of m.edits) out[at % n] = value;
      return out;
    }
    case "bits": {
      const out = Buffer.from(seed);
      for (const [at, bit] of m.flips) out[at % n] = (out[at % n] ?? 0) ^ (1 << bit);
      return out;
    }
    case "truncate":
      return seed.subarray(0, m.keep % n);
    case "field":
    case "fieldDelta": {
      const out = Buffer.from(seed);
      const fields = headerFields(out);
      if (fields.length === 0) return out;
      for (const [at, value] of m.picks) {
        const field = fields[at % fields.length]!;
        const current =
          field.width === 8
            ? out.readBigUInt64LE(field.at)
            : BigInt(field.width === 2 ? out.readUInt16LE(field.at) : out.readUInt32LE(field.at));
        writeField(out, field, m.kind === "field" ? (value as bigint) : current + BigInt(value as number));
      }
      return out;
    }
    case "splice": {
      const from = m.from % n;
      const piece = seed.subarray(from, from + m.length);
      const to = m.to % n;
      return Buffer.concat([seed.subarray(0, to), piece, seed.subarray(to)]);
    }
    case "delete": {
      const from = m.from % n;
      return Buffer.concat([seed.subarray(0, from), seed.subarray(from + m.length)]);
    }
    case "insert": {
      const at = m.at % n;
      return Buffer.concat([seed.subarray(0, at), Buffer.from(m.bytes), seed.subarray(at)]);
    }
    case "affix":
      return Buffer.concat([Buffer.from(m.before), seed, Buffer.from(m.after)]);
  }
}

function withinBound<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`hang: ${what} did not finish within ${HANG_MS} ms`)),
        HANG_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.join(e.parentPath, e.name));
}

let extracted = 0;

/** Inspect the bytes and check the outcome; returns "ok" or the error code. */
async function check(bytes: Buffer): Promise<"ok" | ErrorCode> {
  const file = await scratch.file("m.zip", bytes);
  try {
    return await checkFile(file, bytes);
  } catch (error) {
    // Keep the failing input for a repro (FUZZ_DUMP_DIR=/some/dir).
    const dump = process.env.FUZZ_DUMP_DIR;
    if (dump)
      await writeFile(
        path.join(dump, `${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.zip`),
        bytes,
      );
    throw error;
  }
}

async function checkFile(file: string, bytes: Buffer): Promise<"ok" | ErrorCode> {
  let outcome: "ok" | ErrorCode;
  try {
    const inspection = await withinBound(inspectArchive(file, LIMITS), "inspectArchive");
    outcome = "ok";
    // Accepted: everything the inspection says must hold.
    expect(inspection.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(validateManifest(inspection.manifest).valid).toBe(true);
    for (const entry of inspection.entries) expect(entryNameProblem(entry.name), entry.name).toBeNull();
    // Inspect and extract share one walk: what one accepts the other must extract, inside its folder.
    extracted += 1;
    const target = path.join(scratch.dir, `x-${extracted}`);
    const result = await withinBound(extractArchive(file, target, LIMITS), "extractArchive");
    expect(result.inspection.sha256).toBe(inspection.sha256);
    for (const f of await files(target)) expect(f.startsWith(target + path.sep), f).toBe(true);
  } catch (error) {
    if (!(error instanceof AppError)) throw new Error(`not an AppError: ${String(error)}`, { cause: error });
    expect(ALLOWED.has(error.code), `${error.code}: ${error.message}`).toBe(true);
    expect(error.status).toBe(422);
    outcome = error.code;
  }
  return outcome;
}

describe(`fuzz: inspectArchive (seed ${SEED}, ${RUNS} runs per property)`, () => {
  it("the seeds themselves are valid plugins", async () => {
    expect(seeds.length).toBeGreaterThanOrEqual(2);
    for (const seed of seeds) expect(await check(seed)).toBe("ok");
  });

  it(
    "a mutated seed is accepted or refused with an archive/manifest code, never a crash or a hang",
    async () => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(fc.nat(), mutation, async (which, m) => {
          const outcome = await check(mutate(seeds[which % seeds.length]!, m));
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The mutators reach more than one kind of refusal (not just "unreadable").
      expect(seen.size).toBeGreaterThan(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stacked mutations (three in a row) never crash or hang either",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 2, maxLength: 3 }), async (which, ms) => {
          let bytes = seeds[which % seeds.length]!;
          for (const m of ms) if (bytes.length > 0) bytes = mutate(bytes, m);
          await check(bytes);
        }),
        { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
      );
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * Inspects `bytes` in a child process, so that a crash of the process (an uncaught exception
 * thrown from inside the zip library) is an observable outcome instead of taking the test
 * runner down. Returns what the child printed: "ok", "code:<AppError code>" or the crash.
 */
function inspectInChild(file: string): { status: number | null; output: string } {
  const tsx = pathToFileURL(createRequire(path.join(CORPUS, "../../../package.json")).resolve("tsx")).href;
  const inspect = pathToFileURL(path.join(import.meta.dirname, "inspect-archive.ts")).href;
  const script = [
    `const { inspectArchive } = await import(${JSON.stringify(inspect)});`,
    `inspectArchive(${JSON.stringify(file)}).then(() => console.log("ok"), (e) => console.log("code:" + (e?.code ?? e)));`,
  ].join("\n");
  const child = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", tsx, "--input-type=module", "-e", script],
    {
      encoding: "utf8",
      timeout: HANG_MS,
    },
  );
  return { status: child.status, output: `${child.stdout}${child.stderr}`.trim() };
}

describe("fuzz findings (regressions)", () => {
  it("a zip64 end-record locator pointing past 2^53 is ARCHIVE_INVALID, and the process lives", async () => {
    // Found by the fuzzer (FUZZ_SEED=1..6, FUZZ_RUNS=15000): yauzl passed the 64-bit offset
    // to fs.read, which threw ERR_OUT_OF_RANGE inside a callback and ended the process. The
    // reader in zip-reader.ts now checks every range against the file first.
    const seed = readFileSync(path.join(CORPUS, "seed-zip64.zip"));
    const locator = seed.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
    expect(locator).toBeGreaterThan(0);
    const bytes = Buffer.from(seed);
    bytes[locator + 15] = 0x92;
    const result = inspectInChild(await scratch.file("zip64-offset.zip", bytes));
    expect(result.output).toBe("code:ARCHIVE_INVALID");
    expect(result.status).toBe(0);
  }, 30_000);
});
