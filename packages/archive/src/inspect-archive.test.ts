import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ErrorCode } from "@arcade/contracts";
import type { ArchiveLimits } from "@arcade/core";
import { AppError } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectArchive } from "./inspect-archive.js";
import {
  type FixtureEntry,
  MINIMAL_MANIFEST,
  parseZip,
  pluginEntries,
  pointEntryAt,
  replicateEntry,
  rewriteZip,
  scratchDir,
  yazlZip,
  zeros,
} from "./zip-fixtures.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  scratch = await scratchDir("inspect");
});
afterAll(async () => {
  await scratch.cleanup();
});

async function inspectBuffer(buf: Buffer, limits: Partial<ArchiveLimits> = {}) {
  return inspectArchive(await scratch.file("a.zip", buf), limits);
}

async function rejection(buf: Buffer, limits: Partial<ArchiveLimits> = {}): Promise<AppError> {
  try {
    await inspectBuffer(buf, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the archive to be rejected");
}

async function expectCode(
  buf: Buffer,
  code: ErrorCode,
  limits: Partial<ArchiveLimits> = {},
): Promise<AppError> {
  const error = await rejection(buf, limits);
  expect(error.code, `${error.message} ${JSON.stringify(error.errors)}`).toBe(code);
  return error;
}

/** Builds manifest + index.js + extra entries, then renames entry `index` to `name` (bytes yazl refuses). */
async function withRenamed(
  name: string | Buffer,
  extra: FixtureEntry[] = [{ name: "placeholder.txt", data: "x" }],
) {
  const buf = await yazlZip(pluginEntries(extra));
  return rewriteZip(buf, (e) => (e.name.toString() === "placeholder.txt" ? { name } : undefined));
}

describe("inspectArchive: a good archive", () => {
  it("returns the manifest, entries, totals, size and the file's sha256", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "lib/", directory: true },
        { name: "lib/util.js", data: "export const x = 1;\n" },
      ]),
    );
    const file = await scratch.file("good.zip", buf);
    const result = await inspectArchive(file);
    expect(result.manifest).toEqual(MINIMAL_MANIFEST);
    expect(result.entries.map((e) => e.name)).toEqual(["manifest.json", "index.js", "lib/", "lib/util.js"]);
    expect(result.entries[1]).toMatchObject({ size: Buffer.byteLength(pluginEntries()[1]!.data as string) });
    expect(result.totalUncompressed).toBe(result.entries.reduce((s, e) => s + e.size, 0));
    expect(result.size).toBe(buf.length);
    expect(result.sha256).toBe(createHash("sha256").update(buf).digest("hex"));
  });

  it("normalises a ./ entryPoint and finds the file", async () => {
    const buf = await yazlZip(pluginEntries([], { ...MINIMAL_MANIFEST, entryPoint: "./index.js" }));
    expect((await inspectBuffer(buf)).manifest.entryPoint).toBe("index.js");
  });

  it("accepts an entry point in a sub-folder and stored (uncompressed) entries", async () => {
    const buf = await yazlZip([
      {
        name: "manifest.json",
        data: JSON.stringify({ ...MINIMAL_MANIFEST, entryPoint: "dist/main.mjs" }),
        compress: false,
      },
      { name: "dist/main.mjs", data: "export default {}", compress: false },
    ]);
    expect((await inspectBuffer(buf)).manifest.entryPoint).toBe("dist/main.mjs");
  });

  it("takes partial limits on top of the defaults", async () => {
    const buf = await yazlZip(pluginEntries());
    await expect(inspectBuffer(buf, { maxEntries: 5 })).resolves.toBeTruthy();
  });
});

describe("inspectArchive: not a zip", () => {
  it("rejects an empty file", async () => {
    await expectCode(Buffer.alloc(0), "ARCHIVE_INVALID");
  });

  it("rejects random bytes", async () => {
    await expectCode(randomBytes(4096), "ARCHIVE_INVALID");
  });

  it("rejects a truncated archive (end cut off)", async () => {
    const buf = await yazlZip(pluginEntries());
    await expectCode(buf.subarray(0, buf.length - 30), "ARCHIVE_INVALID");
  });

  it("rejects an archive whose entry data was cut out of the middle", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "big.bin", data: randomBytes(50_000) }]));
    const entry = parseZip(buf)[2]!;
    const cut = Buffer.concat([
      buf.subarray(0, entry.dataStart + 100),
      buf.subarray(entry.dataStart + 20_000),
    ]);
    await expectCode(cut, "ARCHIVE_INVALID");
  });

  it("rejects corrupt data (CRC-32 check) in a stored entry", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "data.txt", data: "hello world", compress: false }]));
    const entry = parseZip(buf)[2]!;
    const bad = Buffer.from(buf);
    bad[entry.dataStart] = "j".charCodeAt(0);
    const error = await expectCode(bad, "ARCHIVE_INVALID");
    expect(error.errors[0]?.message).toMatch(/CRC/);
  });

  it("rejects an entry whose data is shorter than its declared size", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "data.txt", data: "hello world" }]));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { uncompressedSize: 50 } : undefined));
    const error = await expectCode(bad, "ARCHIVE_INVALID");
    expect(error.errors[0]?.message).toMatch(/declares 50/);
  });

  it("rejects an unsupported compression method", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "data.txt", data: "abc" }]));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { compressionMethod: 14 } : undefined));
    const error = await expectCode(bad, "ARCHIVE_INVALID");
    expect(error.errors).toEqual([
      { path: "/entries/2", message: expect.stringContaining("compression method 14") },
    ]);
  });

  it("leaves a missing file as a system error, not an archive error", async () => {
    await expect(inspectArchive(path.join(scratch.dir, "nope.zip"))).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});

describe("inspectArchive: unsafe entries", () => {
  const unsafeNames: [string, string | Buffer, RegExp][] = [
    ["zip slip", "../evil.js", /\.\./],
    ["zip slip deeper", "lib/../../evil.js", /\.\./],
    ["absolute path", "/etc/evil.js", /absolute/],
    ["backslash", "lib\\evil.js", /backslash/],
    ["backslash zip slip", "..\\evil.js", /backslash/],
    ["drive letter", "C:/evil.js", /drive letter/],
    ["bare drive letter", "c:evil.js", /drive letter/],
    ["NUL byte", "evil\u0000.js", /control/],
    ["newline", "evil\n.js", /control/],
    ["escape", "evil\u001b[31m.js", /control/],
    ["C1 control", "evil\u0085.js", /control/],
    ["empty segment", "lib//evil.js", /empty segment/],
    ["dot segment", "./evil.js", /"\." segment/],
    ["root only", "/", /absolute/],
    ["long segment", `${"a".repeat(256)}.js`, /longer than 255/],
    ["long name", `${"abcdefgh/".repeat(120)}x.js`, /longer than 1024/],
  ];
  for (const [label, name, reason] of unsafeNames) {
    it(`rejects ${label}: ${JSON.stringify(name).slice(0, 40)}`, async () => {
      const error = await expectCode(await withRenamed(name), "ARCHIVE_UNSAFE");
      expect(error.errors).toHaveLength(1);
      expect(error.errors[0]!.path).toBe("/entries/2");
      expect(error.errors[0]!.message).toMatch(reason);
      expect(error.errors[0]!.message).toContain(
        JSON.stringify(typeof name === "string" ? name : "").slice(1, 4),
      );
    });
  }

  it("treats byte 0x5c as a backslash in a CP437 (not UTF-8 flagged) name", async () => {
    // Without the UTF-8 flag the name is CP437: byte 0x5c is still a backslash.
    const buf = await withRenamed(Buffer.from("a\\b.js", "latin1"));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { flags: e.flags & ~0x800 } : undefined));
    await expectCode(bad, "ARCHIVE_UNSAFE");
  });

  it("reports every unsafe entry at once", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "p1.txt", data: "1" },
        { name: "p2.txt", data: "2" },
      ]),
    );
    const bad = rewriteZip(buf, (e) =>
      e.index === 2 ? { name: "../a.js" } : e.index === 3 ? { name: "/b.js" } : undefined,
    );
    const error = await expectCode(bad, "ARCHIVE_UNSAFE");
    expect(error.errors.map((e) => e.path)).toEqual(["/entries/2", "/entries/3"]);
  });

  it("rejects a symbolic link entry", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "link.js", data: "/etc/passwd", mode: 0o120777 }]));
    const error = await expectCode(buf, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/symbolic link/);
  });

  it("rejects a device/fifo entry", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "fifo", data: "", mode: 0o010644 }]));
    const error = await expectCode(buf, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/device, fifo or socket/);
  });

  it("rejects an encrypted entry (general purpose bit 0)", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "secret.js", data: "x" }]));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { flags: e.flags | 0x1 } : undefined));
    const error = await expectCode(bad, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/encrypted/);
  });

  it("rejects duplicate names", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "a.js", data: "1" },
        { name: "a.js", data: "2" },
      ]),
    );
    const error = await expectCode(buf, "ARCHIVE_UNSAFE");
    expect(error.errors).toEqual([
      { path: "/entries/3", message: expect.stringContaining("duplicates entry 2") },
    ]);
  });

  it("rejects a second manifest.json", async () => {
    const buf = await yazlZip([...pluginEntries(), { name: "manifest.json", data: "{}" }]);
    await expectCode(buf, "ARCHIVE_UNSAFE");
  });

  it("rejects names that differ only in case", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "Lib/A.js", data: "1" },
        { name: "lib/a.js", data: "2" },
      ]),
    );
    await expectCode(buf, "ARCHIVE_UNSAFE");
  });

  it("rejects names that differ only in Unicode normalisation", async () => {
    const nfc = "caf\u00e9.js";
    const nfd = "cafe\u0301.js";
    expect(nfc).not.toBe(nfd);
    const buf = await yazlZip(
      pluginEntries([
        { name: nfc, data: "1" },
        { name: nfd, data: "2" },
      ]),
    );
    await expectCode(buf, "ARCHIVE_UNSAFE");
  });

  it("rejects a duplicate folder entry", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "lib/", directory: true },
        { name: "LIB/", directory: true },
      ]),
    );
    await expectCode(buf, "ARCHIVE_UNSAFE");
  });

  it("rejects a name used as both a file and a folder", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "lib", data: "1" },
        { name: "lib/a.js", data: "2" },
      ]),
    );
    const error = await expectCode(buf, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/also used as a folder/);
  });

  it("rejects a file clashing with an explicit folder entry", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "lib/", directory: true },
        { name: "lib", data: "1" },
      ]),
    );
    await expectCode(buf, "ARCHIVE_UNSAFE");
  });

  it("names the worst finding in the code and lists every finding", async () => {
    const buf = await yazlZip(
      pluginEntries([
        { name: "big.bin", data: randomBytes(2 * 1024 * 1024) },
        { name: "p.txt", data: "x" },
      ]),
    );
    const bad = rewriteZip(buf, (e) => (e.index === 3 ? { name: "../p.txt" } : undefined));
    const error = await expectCode(bad, "ARCHIVE_UNSAFE", { maxUncompressedBytes: 1024 * 1024 });
    expect(error.errors.map((e) => e.path)).toEqual(["/entries/3", "/entries/2"]);
  });

  it("rejects a local header that names another file than the central directory", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "good.js", data: "1" }]));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { localName: "evil.js" } : undefined));
    const error = await expectCode(bad, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/local header/);
  });

  it("rejects entries whose data overlaps (non-recursive zip bomb)", async () => {
    // Entry 2's stored data *is* a copy of entry 3's local record; entry 3's central
    // record is then pointed into it, so both entries share bytes.
    const inner = await yazlZip([{ name: "b.js", data: "export default 1", compress: false }]);
    const innerRecord = inner.subarray(0, parseZip(inner)[0]!.dataStart + "export default 1".length);
    const buf = await yazlZip(
      pluginEntries([
        { name: "a.bin", data: innerRecord, compress: false },
        { name: "b.js", data: "export default 1", compress: false },
      ]),
    );
    const a = parseZip(buf)[2]!;
    const bad = pointEntryAt(buf, 3, a.dataStart);
    const error = await expectCode(bad, "ARCHIVE_UNSAFE");
    expect(error.errors[0]?.message).toMatch(/overlaps the data of entry 2/);
  });
});

describe("inspectArchive: size limits and zip bombs", () => {
  it("rejects more entries than maxEntries (70k, default 10 000) before reading them", async () => {
    const base = await yazlZip(pluginEntries([{ name: "f/0", data: "", compress: false }]));
    const buf = replicateEntry(base, 2, 70_000, (i) => `f/${i + 1}`);
    const error = await expectCode(buf, "ARCHIVE_TOO_LARGE");
    expect(error.message).toMatch(/70003 entries; the limit is 10000/);
  });

  it("reads a zip64 archive of many entries within the limit", async () => {
    const base = await yazlZip(pluginEntries([{ name: "f/0", data: "", compress: false }]));
    const buf = replicateEntry(base, 2, 5_000, (i) => `f/${i + 1}`);
    const result = await inspectBuffer(buf);
    expect(result.entries).toHaveLength(5_003);
    expect(result.entries.at(-1)?.name).toBe("f/5000");
  });

  it("accepts exactly maxEntries entries", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "x", data: "" }]));
    await expect(inspectBuffer(buf, { maxEntries: 3 })).resolves.toBeTruthy();
    await expectCode(buf, "ARCHIVE_TOO_LARGE", { maxEntries: 2 });
  });

  it("rejects an archive file larger than maxCompressedBytes", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "r.bin", data: randomBytes(4000) }]));
    const error = await expectCode(buf, "ARCHIVE_TOO_LARGE", { maxCompressedBytes: 2000 });
    expect(error.message).toMatch(/limit is 2000/);
  });

  it("rejects a total uncompressed size over maxUncompressedBytes", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "r.bin", data: randomBytes(2 * 1024 * 1024) }]));
    const error = await expectCode(buf, "ARCHIVE_TOO_LARGE", { maxUncompressedBytes: 1024 * 1024 });
    expect(error.errors[0]).toEqual({
      path: "/entries/2",
      message: expect.stringContaining("uncompressed total"),
    });
  });

  it("rejects a manifest larger than maxManifestBytes", async () => {
    const manifest = { ...MINIMAL_MANIFEST, description: "d".repeat(1500) };
    const buf = await yazlZip(pluginEntries([], manifest));
    await expect(inspectBuffer(buf)).resolves.toBeTruthy();
    await expectCode(buf, "MANIFEST_INVALID", { maxManifestBytes: 1000 });
  });

  it("rejects one entry whose declared ratio is above the limit (zip bomb)", async () => {
    // 5 MiB of zeros squeeze ~1000x; 300 KiB of random bytes keep the overall ratio low.
    const buf = await yazlZip(
      pluginEntries([
        { name: "noise.bin", data: randomBytes(300 * 1024) },
        { name: "bomb.bin", stream: zeros(5 * 1024 * 1024) },
      ]),
    );
    const error = await expectCode(buf, "ARCHIVE_TOO_LARGE");
    expect(error.errors).toEqual([
      { path: "/entries/3", message: expect.stringMatching(/expands \d+x .* limit is 100x/) },
    ]);
  });

  it("does not check the ratio of small entries", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "zeros.bin", stream: zeros(512 * 1024) }]));
    await expect(inspectBuffer(buf)).resolves.toBeTruthy();
  });

  it("rejects an overall ratio above the limit even when each entry is small", async () => {
    const extra: FixtureEntry[] = [];
    for (let i = 0; i < 20; i += 1) extra.push({ name: `z${i}.bin`, stream: zeros(900 * 1024) });
    const error = await expectCode(await yazlZip(pluginEntries(extra)), "ARCHIVE_TOO_LARGE");
    expect(error.errors).toEqual([{ path: "", message: expect.stringMatching(/the archive expands \d+x/) }]);
  });

  it("honours a raised maxCompressionRatio", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "zeros.bin", stream: zeros(3 * 1024 * 1024) }]));
    await expectCode(buf, "ARCHIVE_TOO_LARGE");
    await expect(inspectBuffer(buf, { maxCompressionRatio: 100_000 })).resolves.toBeTruthy();
  });

  it("stops a 200 MB bomb with an honest header before inflating anything", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "bomb.bin", stream: zeros(200 * 1000 * 1000) }]));
    expect(buf.length).toBeLessThan(1024 * 1024);
    const error = await expectCode(buf, "ARCHIVE_TOO_LARGE");
    expect(error.errors.map((e) => e.message).join(" ")).toMatch(/uncompressed total|expands/);
  }, 60_000);

  it("stops a 200 MB bomb that lies about its size after inflating only a little", async () => {
    const honest = await yazlZip(pluginEntries([{ name: "bomb.bin", stream: zeros(200 * 1000 * 1000) }]));
    const liar = rewriteZip(honest, (e) => (e.index === 2 ? { uncompressedSize: 1000 } : undefined));
    const error = await expectCode(liar, "ARCHIVE_TOO_LARGE", { maxCompressionRatio: 1e9 });
    const message = error.errors[0]?.message ?? "";
    expect(message).toMatch(/inflates past its declared size of 1000 bytes/);
    const stoppedAfter = Number(/stopped after (\d+)/.exec(message)?.[1]);
    expect(stoppedAfter).toBeGreaterThan(1000);
    expect(stoppedAfter).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);
});

describe("inspectArchive: manifest and entry point", () => {
  it("rejects an archive without manifest.json", async () => {
    const buf = await yazlZip([{ name: "index.js", data: "export default {}" }]);
    await expectCode(buf, "MANIFEST_MISSING");
  });

  it("rejects an empty archive", async () => {
    await expectCode(await yazlZip([]), "MANIFEST_MISSING");
  });

  it("rejects a manifest.json that is not at the root, and says what to do", async () => {
    const buf = await yazlZip([
      { name: "my-plugin/manifest.json", data: JSON.stringify(MINIMAL_MANIFEST) },
      { name: "my-plugin/index.js", data: "x" },
    ]);
    const error = await expectCode(buf, "MANIFEST_MISSING");
    expect(error.detail).toMatch(/my-plugin\/manifest\.json/);
  });

  it("rejects manifest.json that is not JSON, with the parser's message", async () => {
    const buf = await yazlZip([
      { name: "manifest.json", data: "{ nope" },
      { name: "index.js", data: "x" },
    ]);
    const error = await expectCode(buf, "MANIFEST_INVALID");
    expect(error.errors).toEqual([{ path: "", message: expect.stringMatching(/^is not valid JSON: /) }]);
  });

  it("rejects manifest.json that is not UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const buf = await yazlZip([
      { name: "manifest.json", data: bytes },
      { name: "index.js", data: "x" },
    ]);
    const error = await expectCode(buf, "MANIFEST_INVALID");
    expect(error.errors[0]?.message).toMatch(/UTF-8/);
  });

  it("reports every manifest error at once", async () => {
    const bad = { ...MINIMAL_MANIFEST, version: "v1", pluginType: "nope" };
    const error = await expectCode(await yazlZip(pluginEntries([], bad)), "MANIFEST_INVALID");
    expect(error.errors.map((e) => e.path).sort()).toEqual(["/pluginType", "/version"]);
  });

  it("rejects a manifest whose entryPoint is not in the archive", async () => {
    const buf = await yazlZip(pluginEntries([], { ...MINIMAL_MANIFEST, entryPoint: "main.js" }));
    const error = await expectCode(buf, "ENTRY_POINT_MISSING");
    expect(error.errors[0]?.path).toBe("/entryPoint");
  });

  it("does not accept a folder or a case variant as the entry point", async () => {
    const folder = await yazlZip([
      { name: "manifest.json", data: JSON.stringify({ ...MINIMAL_MANIFEST, entryPoint: "main.js" }) },
      { name: "main.js/", directory: true },
    ]);
    await expectCode(folder, "ENTRY_POINT_MISSING");
    const upper = await yazlZip([
      { name: "manifest.json", data: JSON.stringify(MINIMAL_MANIFEST) },
      { name: "INDEX.js", data: "x" },
    ]);
    await expectCode(upper, "ENTRY_POINT_MISSING");
  });
});

describe("inspectArchive: a read-only operation", () => {
  it("does not modify the archive", async () => {
    const buf = await yazlZip(pluginEntries());
    const file = await scratch.file("ro.zip", buf);
    await inspectArchive(file);
    expect((await readFile(file)).equals(buf)).toBe(true);
  });

  it("can inspect the same file concurrently", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "lib/a.js", data: "1" }]));
    const file = await scratch.file("c.zip", buf);
    const results = await Promise.all([inspectArchive(file), inspectArchive(file), inspectArchive(file)]);
    expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
  });

  it("closes its files (many sequential inspections of failing archives do not leak descriptors)", async () => {
    const buf = await yazlZip(pluginEntries([{ name: "data.txt", data: "hello" }]));
    const bad = rewriteZip(buf, (e) => (e.index === 2 ? { uncompressedSize: 3 } : undefined));
    const file = path.join(scratch.dir, "leak.zip");
    await writeFile(file, bad);
    for (let i = 0; i < 300; i += 1) await expect(inspectArchive(file)).rejects.toBeInstanceOf(AppError);
    const { readdir } = await import("node:fs/promises");
    const open = (await readdir("/proc/self/fd").catch(() => [])).length;
    expect(open).toBeLessThan(200);
  });
});
