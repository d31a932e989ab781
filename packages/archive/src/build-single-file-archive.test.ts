import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { AppError } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildSingleFileArchive } from "./build-single-file-archive.js";
import { extractArchive } from "./extract-archive.js";
import { inspectArchive } from "./inspect-archive.js";
import { MINIMAL_MANIFEST, MINIMAL_MODULE, scratchDir } from "./zip-fixtures.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  scratch = await scratchDir("single");
});
afterAll(async () => {
  await scratch.cleanup();
});

const out = (name: string) => path.join(scratch.dir, name);
const manifestFor = (entryPoint: string) => ({ ...MINIMAL_MANIFEST, entryPoint });

describe("buildSingleFileArchive", () => {
  it("writes manifest.json and the module; the result passes inspection", async () => {
    const built = await buildSingleFileArchive(
      { manifest: manifestFor("plugin.mjs"), fileName: "plugin.mjs", content: Buffer.from(MINIMAL_MODULE) },
      out("a.zip"),
    );
    const bytes = await readFile(out("a.zip"));
    expect(built).toEqual({
      path: out("a.zip"),
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    const inspection = await inspectArchive(out("a.zip"));
    expect(inspection.entries.map((e) => e.name)).toEqual(["manifest.json", "plugin.mjs"]);
    expect(inspection.manifest.entryPoint).toBe("plugin.mjs");
    const { dir } = await extractArchive(out("a.zip"), out("a-dir"));
    expect(await readFile(path.join(dir, "plugin.mjs"), "utf8")).toBe(MINIMAL_MODULE);
  });

  it("takes the content as a stream and the manifest as JSON text", async () => {
    await buildSingleFileArchive(
      {
        manifest: JSON.stringify(manifestFor("p.js")),
        fileName: "p.js",
        content: Readable.from([Buffer.from(MINIMAL_MODULE)]),
      },
      out("b.zip"),
    );
    expect((await inspectArchive(out("b.zip"))).manifest.entryPoint).toBe("p.js");
  });

  it("is deterministic: same inputs, same checksum, whatever the time", async () => {
    const input = () => ({
      manifest: manifestFor("p.js"),
      fileName: "p.js",
      content: Buffer.from(MINIMAL_MODULE),
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2024-01-01T10:00:00Z"));
      const one = await buildSingleFileArchive(input(), out("c1.zip"));
      vi.setSystemTime(new Date("2025-06-15T18:30:00Z"));
      const two = await buildSingleFileArchive(input(), out("c2.zip"));
      expect(one.sha256).toBe(two.sha256);
    } finally {
      vi.useRealTimers();
    }
  });

  it("accepts an entryPoint written ./p.js", async () => {
    await expect(
      buildSingleFileArchive(
        { manifest: manifestFor("./p.js"), fileName: "p.js", content: Buffer.from("x") },
        out("d.zip"),
      ),
    ).resolves.toBeTruthy();
  });

  it("rejects an entryPoint that is not the uploaded file (MANIFEST_INVALID at /entryPoint)", async () => {
    const error = await buildSingleFileArchive(
      { manifest: manifestFor("index.js"), fileName: "plugin.js", content: Buffer.from("x") },
      out("e.zip"),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "MANIFEST_INVALID", errors: [{ path: "/entryPoint" }] });
    await expect(readFile(out("e.zip"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects an invalid manifest with every error", async () => {
    const error = await buildSingleFileArchive(
      { manifest: { ...manifestFor("p.js"), version: "one" }, fileName: "p.js", content: Buffer.from("x") },
      out("f.zip"),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MANIFEST_INVALID", errors: [{ path: "/version" }] });
  });

  it("rejects manifest text that is not JSON", async () => {
    const error = await buildSingleFileArchive(
      { manifest: "{", fileName: "p.js", content: Buffer.from("x") },
      out("g.zip"),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MANIFEST_INVALID", errors: [{ path: "" }] });
  });

  for (const fileName of ["../p.js", "/tmp/p.js", "a\\p.js", "p.txt", "p.js\u0000"]) {
    it(`rejects the file name ${JSON.stringify(fileName)}`, async () => {
      const error = await buildSingleFileArchive(
        { manifest: manifestFor("p.js"), fileName, content: Buffer.from("x") },
        out("h.zip"),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: "MANIFEST_INVALID", errors: [{ path: "/entryPoint" }] });
    });
  }

  it("fails (and leaves no file) when the content stream fails", async () => {
    const content = new Readable({
      read() {
        this.destroy(new Error("upload aborted"));
      },
    });
    await expect(
      buildSingleFileArchive({ manifest: manifestFor("p.js"), fileName: "p.js", content }, out("i.zip")),
    ).rejects.toThrow("upload aborted");
    await expect(readFile(out("i.zip"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
