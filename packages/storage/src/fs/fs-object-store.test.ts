import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeObjectStoreContract } from "../testing/object-store-contract.js";
import { readAll, sha256Of } from "../testing/random-body.js";
import { FsObjectStore } from "./fs-object-store.js";

describeObjectStoreContract("filesystem", async () => {
  const root = await mkdtemp(join(tmpdir(), "arcade-fs-store-"));
  return {
    store: new FsObjectStore({ root: join(root, "objects") }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("FsObjectStore layout", () => {
  let root: string;
  let store: FsObjectStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "arcade-fs-layout-"));
    store = new FsObjectStore({ root });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps the object as a plain file with a sidecar, and no temp files", async () => {
    const data = Buffer.from("zip bytes");
    await store.put("plugins/p/1.0.0/p_1.0.0.zip", Readable.from([data]), { sha256: sha256Of(data) });
    const folder = join(root, "plugins", "p", "1.0.0");
    expect((await readdir(folder)).sort()).toEqual(["p_1.0.0.zip", "p_1.0.0.zip.meta.json"]);
    expect(await readFile(join(folder, "p_1.0.0.zip"), "utf8")).toBe("zip bytes");
    expect(JSON.parse(await readFile(join(folder, "p_1.0.0.zip.meta.json"), "utf8"))).toMatchObject({
      sha256: sha256Of(data),
    });
  });

  it("does not vouch for data that changed behind the sidecar's back", async () => {
    const data = Buffer.from("original");
    await store.put("stale/a.bin", Readable.from([data]), { sha256: sha256Of(data) });
    // Another writer's data file landing without its sidecar (crash between the two renames).
    await writeFile(join(root, "stale", "a.bin"), "replaced!");
    const info = await store.head("stale/a.bin");
    expect(info).toMatchObject({ size: 9, sha256: null });
  });

  it("never lists or deletes its own files as objects, and clears old debris with the prefix", async () => {
    await store.put("debris/a.bin", Readable.from([Buffer.from("a")]));
    const folder = join(root, "debris");
    await writeFile(join(folder, "b.bin.tmp-0123abcd"), "half a write");
    await writeFile(join(folder, "fresh.bin.tmp-89abcdef"), "a write in progress");
    await writeFile(join(folder, "gone.bin.meta.json"), "{}");
    const old = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(join(folder, "b.bin.tmp-0123abcd"), old, old);
    expect((await store.list("debris/")).map((info) => info.key)).toEqual(["debris/a.bin"]);
    expect(await store.deleteByPrefix("debris/")).toBe(1);
    // The fresh temp file may belong to a running put: it stays.
    expect(await readdir(folder)).toEqual(["fresh.bin.tmp-89abcdef"]);
  });

  it("removes folders that became empty, but never the root", async () => {
    await store.put("prune/deep/er/a.bin", Readable.from([Buffer.from("a")]));
    await store.delete("prune/deep/er/a.bin");
    await expect(stat(join(root, "prune"))).rejects.toMatchObject({ code: "ENOENT" });
    await store.put("prune2/x/a.bin", Readable.from([Buffer.from("a")]));
    await store.deleteByPrefix("prune2/");
    await expect(stat(join(root, "prune2"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it("rejects keys that would collide with its own file names", async () => {
    for (const key of ["a.meta.json", "x/b.bin.tmp-1234", "c.meta.json/d"]) {
      await expect(store.put(key, Readable.from([Buffer.from("x")]))).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
  });

  it("rejects a key that is already a folder of other keys", async () => {
    await store.put("clash/inner/a.bin", Readable.from([Buffer.from("a")]));
    await expect(store.put("clash/inner", Readable.from([Buffer.from("b")]))).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      store.put("clash/inner/a.bin/deeper", Readable.from([Buffer.from("b")])),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await readAll(await store.get("clash/inner/a.bin"))).toString()).toBe("a");
    expect((await readdir(join(root, "clash", "inner"))).sort()).toEqual(["a.bin", "a.bin.meta.json"]);
  });

  it("ping fails with STORAGE_UNAVAILABLE when the root cannot hold files", async () => {
    const file = join(root, "not-a-folder");
    await writeFile(file, "x");
    const broken = new FsObjectStore({ root: file });
    await expect(broken.ping()).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE", retryable: true });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("ping creates a missing root", async () => {
    const fresh = new FsObjectStore({ root: join(root, "fresh", "objects") });
    await fresh.ping();
    expect((await stat(join(root, "fresh", "objects"))).isDirectory()).toBe(true);
  });
});
