import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractArchive } from "./extract-archive.js";
import {
  MINIMAL_MANIFEST,
  MINIMAL_MODULE,
  pluginEntries,
  rewriteZip,
  scratchDir,
  yazlZip,
  zeros,
} from "./zip-fixtures.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  scratch = await scratchDir("extract");
});
afterAll(async () => {
  await scratch.cleanup();
});

let n = 0;
async function place(buf: Buffer) {
  n += 1;
  const parent = path.join(scratch.dir, `case-${n}`);
  await mkdir(parent);
  const zip = path.join(parent, "plugin.zip");
  await writeFile(zip, buf);
  return { parent, zip, target: path.join(parent, "out") };
}

describe("extractArchive", () => {
  it("writes every file and folder and renames into place", async () => {
    const lib = "export const x = 1;\n";
    const { parent, zip, target } = await place(
      await yazlZip(
        pluginEntries([
          { name: "lib/", directory: true },
          { name: "lib/deep/util.js", data: lib },
          { name: "empty/", directory: true },
        ]),
      ),
    );
    const result = await extractArchive(zip, target);
    expect(result).toMatchObject({ dir: target, created: true });
    expect(result.inspection.manifest.name).toBe("fixture-plugin");
    expect(result.inspection.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(path.join(target, "index.js"), "utf8")).toBe(MINIMAL_MODULE);
    expect(await readFile(path.join(target, "lib/deep/util.js"), "utf8")).toBe(lib);
    expect((await stat(path.join(target, "empty"))).isDirectory()).toBe(true);
    expect(JSON.parse(await readFile(path.join(target, "manifest.json"), "utf8")).entryPoint).toBe(
      "index.js",
    );
    // no temp folder left beside the target
    expect((await readdir(parent)).sort()).toEqual(["out", "plugin.zip"]);
  });

  it("creates the target's parent folders", async () => {
    const { zip, parent } = await place(await yazlZip(pluginEntries()));
    const target = path.join(parent, "a", "b", "out");
    await expect(extractArchive(zip, target)).resolves.toMatchObject({ created: true });
  });

  it("leaves an existing target alone (another process won) and removes its temp folder", async () => {
    const { parent, zip, target } = await place(await yazlZip(pluginEntries()));
    await mkdir(target);
    await writeFile(path.join(target, "marker"), "theirs");
    const result = await extractArchive(zip, target);
    expect(result.created).toBe(false);
    expect(await readdir(target)).toEqual(["marker"]);
    expect((await readdir(parent)).sort()).toEqual(["out", "plugin.zip"]);
  });

  it("two concurrent extractions end with one complete folder and no temp folders", async () => {
    const { parent, zip, target } = await place(
      await yazlZip(pluginEntries([{ name: "big.bin", data: randomBytes(256 * 1024) }])),
    );
    const results = await Promise.all([extractArchive(zip, target), extractArchive(zip, target)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await readdir(target)).sort()).toEqual(["big.bin", "index.js", "manifest.json"]);
    expect((await readdir(parent)).sort()).toEqual(["out", "plugin.zip"]);
  });

  const hostile: [string, () => Promise<Buffer>, string][] = [
    [
      "zip slip",
      async () =>
        rewriteZip(await yazlZip(pluginEntries([{ name: "xxxxxxxx.js", data: "pwned" }])), (e) =>
          e.index === 2 ? { name: "../evil.js" } : undefined,
        ),
      "ARCHIVE_UNSAFE",
    ],
    [
      "absolute path",
      async () =>
        rewriteZip(await yazlZip(pluginEntries([{ name: "x.js", data: "pwned" }])), (e) =>
          e.index === 2 ? { name: path.join(scratch.dir, "abs-evil.js") } : undefined,
        ),
      "ARCHIVE_UNSAFE",
    ],
    [
      "symlink",
      async () => yazlZip(pluginEntries([{ name: "link", data: "/etc", mode: 0o120777 }])),
      "ARCHIVE_UNSAFE",
    ],
    [
      "lying bomb",
      async () =>
        rewriteZip(
          await yazlZip(pluginEntries([{ name: "bomb.bin", stream: zeros(50 * 1024 * 1024) }])),
          (e) => (e.index === 2 ? { uncompressedSize: 4096 } : undefined),
        ),
      "ARCHIVE_TOO_LARGE",
    ],
    [
      "corrupt entry after good ones",
      async () => {
        const buf = await yazlZip(pluginEntries([{ name: "z.txt", data: "zzzz", compress: false }]));
        return rewriteZip(buf, (e) => (e.index === 2 ? { crc32: 12345 } : undefined));
      },
      "ARCHIVE_INVALID",
    ],
    ["an invalid manifest", async () => yazlZip([{ name: "manifest.json", data: "{}" }]), "MANIFEST_INVALID"],
    [
      "a missing entry point",
      async () =>
        yazlZip([
          { name: "manifest.json", data: JSON.stringify({ ...MINIMAL_MANIFEST, entryPoint: "no.js" }) },
        ]),
      "ENTRY_POINT_MISSING",
    ],
  ];
  for (const [label, build, code] of hostile) {
    it(`refuses ${label}: nothing is written anywhere`, async () => {
      const { parent, zip, target } = await place(await build());
      const before = await readdir(scratch.dir);
      const error = await extractArchive(zip, target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(code);
      expect(await readdir(parent)).toEqual(["plugin.zip"]);
      expect(await readdir(scratch.dir)).toEqual(before);
    });
  }
});
