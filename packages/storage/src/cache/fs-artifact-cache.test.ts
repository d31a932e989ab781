import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { extractArchive } from "@arcade/archive";
import type { ArtifactRef } from "@arcade/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FsObjectStore } from "../fs/fs-object-store.js";
import { CountingStore } from "../testing/counting-store.js";
import { sha256Of } from "../testing/random-body.js";
import { extractZip, makeZip } from "../testing/zip-fixtures.js";
import { type CacheLogger, COMPLETE_MARKER, FsArtifactCache } from "./fs-artifact-cache.js";

const PLUGIN = "plugin_slack_k3x9q2";

let root: string;
let backing: FsObjectStore;
let caseNumber = 0;

/** One artifact in the store: the ref a node would ensure, and its zip bytes. */
async function publish(pluginId: string, version: string, files?: Record<string, string>) {
  const zip = await makeZip(
    files ?? {
      "manifest.json": JSON.stringify({ name: pluginId, version }),
      "index.js": `export default { version: "${version}" };\n`,
      "lib/util.js": "export const x = 1;\n",
    },
  );
  const objectKey = `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`;
  await backing.put(objectKey, Readable.from([zip]));
  const ref: ArtifactRef = { pluginId, version, sha256: sha256Of(zip), objectKey };
  return { ref, zip };
}

function recordingLogger(): CacheLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (_fields, message) => warnings.push(message) };
}

describe("FsArtifactCache", () => {
  let dir: string;
  let store: CountingStore;
  let logger: ReturnType<typeof recordingLogger>;
  let cache: FsArtifactCache;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "arcade-cache-"));
    backing = new FsObjectStore({ root: join(root, "store") });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    caseNumber += 1;
    dir = join(root, `cache-${caseNumber}`);
    store = new CountingStore(backing);
    logger = recordingLogger();
    cache = new FsArtifactCache({ dir, store, extract: extractZip, logger });
  });

  it("cold ensure fetches the zip, verifies it and unpacks it beside it", async () => {
    const { ref, zip } = await publish(PLUGIN, "1.0.0");
    const cached = await cache.ensure(ref);
    expect(cached).toEqual({ zipPath: join(dir, `${PLUGIN}_1.0.0.zip`), dir: join(dir, `${PLUGIN}_1.0.0`) });
    expect(store.gets).toBe(1);
    expect((await readFile(cached.zipPath)).equals(zip)).toBe(true);
    expect(await readFile(join(cached.dir, "index.js"), "utf8")).toContain('version: "1.0.0"');
    expect(await readFile(join(cached.dir, "lib", "util.js"), "utf8")).toContain("x = 1");
    expect(await readFile(join(cached.dir, COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
    // Nothing but the zip and the folder: no temp entries left behind.
    expect((await readdir(dir)).sort()).toEqual([`${PLUGIN}_1.0.0`, `${PLUGIN}_1.0.0.zip`]);
  });

  it("warm ensure does not touch the store, also from a fresh instance (a restarted node)", async () => {
    const { ref } = await publish(PLUGIN, "1.0.1");
    await cache.ensure(ref);
    await cache.ensure(ref);
    const restarted = new FsArtifactCache({ dir, store, extract: extractZip });
    await restarted.ensure(ref);
    expect(store.gets).toBe(1);
  });

  it("detects a corrupted zip (bytes overwritten in place, same size) and repairs it from the store", async () => {
    const { ref, zip } = await publish(PLUGIN, "1.0.2");
    const { zipPath } = await cache.ensure(ref);
    const before = await stat(zipPath);
    const handle = await open(zipPath, "r+");
    await handle.write(Buffer.from("CORRUPTED!"), 0, 10, Math.floor(zip.length / 2));
    await handle.close();
    expect((await stat(zipPath)).size).toBe(before.size);
    expect(sha256Of(await readFile(zipPath))).not.toBe(ref.sha256);

    await cache.ensure(ref);
    expect(store.gets).toBe(2);
    expect((await readFile(zipPath)).equals(zip)).toBe(true);
    expect(logger.warnings).toEqual(["cached artifact failed verification; fetching it again"]);
  });

  it("repairs a partial (truncated) zip", async () => {
    const { ref, zip } = await publish(PLUGIN, "1.0.3");
    const { zipPath } = await cache.ensure(ref);
    await truncate(zipPath, Math.floor(zip.length / 3));
    await cache.ensure(ref);
    expect(store.gets).toBe(2);
    expect((await readFile(zipPath)).equals(zip)).toBe(true);
  });

  it("fetches a zip that was deleted, keeping the complete folder", async () => {
    const { ref, zip } = await publish(PLUGIN, "1.0.4");
    const { zipPath } = await cache.ensure(ref);
    await rm(zipPath);
    await cache.ensure(ref);
    expect(store.gets).toBe(2);
    expect((await readFile(zipPath)).equals(zip)).toBe(true);
  });

  it("re-extracts a folder without its marker (an interrupted unpack), from the local zip", async () => {
    const { ref } = await publish(PLUGIN, "1.0.5");
    const cached = await cache.ensure(ref);
    await rm(join(cached.dir, COMPLETE_MARKER));
    await rm(join(cached.dir, "index.js"));
    await writeFile(join(cached.dir, "junk.txt"), "left by a crash");
    await cache.ensure(ref);
    expect(store.gets).toBe(1);
    expect(await readFile(join(cached.dir, "index.js"), "utf8")).toContain("1.0.5");
    expect(await readFile(join(cached.dir, COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
    await expect(stat(join(cached.dir, "junk.txt"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await readdir(dir)).sort()).toEqual([`${PLUGIN}_1.0.5`, `${PLUGIN}_1.0.5.zip`]);
  });

  it("never trusts a folder it did not extract: a fresh instance (a restarted node) re-extracts it", async () => {
    const { ref } = await publish(PLUGIN, "1.0.7");
    const cached = await cache.ensure(ref);
    // Tampered with between two runs, marker left as it was.
    await writeFile(join(cached.dir, "index.js"), "export default { evil: true };\n");
    await writeFile(join(cached.dir, "dropped.js"), "planted");
    const restarted = new FsArtifactCache({ dir, store, extract: extractZip });
    await restarted.ensure(ref);
    expect(await readFile(join(cached.dir, "index.js"), "utf8")).toContain('version: "1.0.7"');
    await expect(stat(join(cached.dir, "dropped.js"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(store.gets).toBe(1);
    // This instance extracted it: the next ensure trusts it without unpacking again.
    const before = (await stat(join(cached.dir, "index.js"))).ino;
    await restarted.ensure(ref);
    expect((await stat(join(cached.dir, "index.js"))).ino).toBe(before);
  });

  it("leaves unpacked folders writable by the platform only (dirs 0755, files 0644)", async () => {
    const { ref } = await publish(PLUGIN, "1.0.8");
    const cached = await cache.ensure(ref);
    expect((await stat(cached.dir)).mode & 0o777).toBe(0o755);
    expect((await stat(join(cached.dir, "lib"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(cached.dir, "lib", "util.js"))).mode & 0o777).toBe(0o644);
  });

  it("re-extracts a folder whose marker names another checksum", async () => {
    const { ref } = await publish(PLUGIN, "1.0.6");
    const cached = await cache.ensure(ref);
    await writeFile(join(cached.dir, COMPLETE_MARKER), "f".repeat(64));
    await cache.ensure(ref);
    expect(await readFile(join(cached.dir, COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
  });

  it("a store copy with the wrong checksum fails with CHECKSUM_MISMATCH and leaves nothing in the cache", async () => {
    const { ref } = await publish(PLUGIN, "1.0.7");
    const wrong = { ...ref, sha256: sha256Of("not this zip") };
    await expect(cache.ensure(wrong)).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
    expect(await readdir(dir)).toEqual([]);

    // Also when a corrupt copy was already there: it is dropped, not kept.
    await writeFile(join(dir, `${PLUGIN}_1.0.7.zip`), "garbage");
    await mkdir(join(dir, `${PLUGIN}_1.0.7`));
    await expect(cache.ensure(wrong)).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("a missing object fails with OBJECT_NOT_FOUND and leaves nothing", async () => {
    const { ref } = await publish(PLUGIN, "1.0.8");
    const missing = { ...ref, objectKey: "plugins/nowhere/1.0.8/x.zip" };
    await expect(cache.ensure(missing)).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("a failing extract leaves no folder and no temp folder, and the next ensure retries", async () => {
    const { ref } = await publish(PLUGIN, "1.0.9");
    const failing = new FsArtifactCache({
      dir,
      store,
      extract: async (_zip, target) => {
        await mkdir(target);
        await writeFile(join(target, "half"), "x");
        throw new Error("disk hiccup");
      },
    });
    await expect(failing.ensure(ref)).rejects.toMatchObject({
      code: "ARCHIVE_INVALID",
      message: expect.stringContaining("disk hiccup"),
    });
    expect(await readdir(dir)).toEqual([`${PLUGIN}_1.0.9.zip`]);
    const cached = await cache.ensure(ref);
    expect(await readFile(join(cached.dir, COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
  });

  it("two concurrent ensures of one artifact share one fetch", async () => {
    const { ref } = await publish(PLUGIN, "1.1.0");
    const [a, b] = await Promise.all([cache.ensure(ref), cache.ensure(ref)]);
    expect(a).toEqual(b);
    expect(store.gets).toBe(1);
  });

  it("two cache instances (two processes) racing on one folder both end with correct content", async () => {
    const refs = await Promise.all(["2.0.0", "2.0.1", "2.0.2"].map((v) => publish(PLUGIN, v)));
    // A corrupt zip and an incomplete folder to start from, so both sides repair at once.
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${PLUGIN}_2.0.0.zip`), "corrupt");
    await mkdir(join(dir, `${PLUGIN}_2.0.0`));
    await writeFile(join(dir, `${PLUGIN}_2.0.0`, "junk"), "x");

    const slow = new CountingStore(backing);
    slow.beforeGet = () => new Promise((resolve) => setTimeout(resolve, 20));
    const one = new FsArtifactCache({ dir, store: slow, extract: extractZip });
    const two = new FsArtifactCache({ dir, store: slow, extract: extractZip });
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all(refs.flatMap(({ ref }) => [one.ensure(ref), two.ensure(ref)]));
      for (const [index, { ref, zip }] of refs.entries()) {
        const cached = results[index * 2];
        expect(cached).toEqual(results[index * 2 + 1]);
        expect((await readFile(cached?.zipPath ?? "")).equals(zip)).toBe(true);
        expect(await readFile(join(cached?.dir ?? "", COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
        expect(await readFile(join(cached?.dir ?? "", "index.js"), "utf8")).toContain(ref.version);
      }
      // The next round starts from a broken zip again.
      await writeFile(join(dir, `${PLUGIN}_2.0.1.zip`), "corrupt again");
    }
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(
      refs.flatMap(({ ref }) => [`${PLUGIN}_${ref.version}`, `${PLUGIN}_${ref.version}.zip`]).sort(),
    );
  });

  it("evict keeps the listed versions and never touches another plugin", async () => {
    const other = "plugin_slack_k3x9q2x"; // shares a string prefix with PLUGIN
    const versions = ["3.0.0", "3.1.0", "3.2.0-rc.1"];
    for (const version of versions) await cache.ensure((await publish(PLUGIN, version)).ref);
    await cache.ensure((await publish(other, "3.0.0")).ref);
    await writeFile(join(dir, `${PLUGIN}_3.0.0.zip.tmp-00ff`), "debris of a crashed fetch");
    await mkdir(join(dir, `${PLUGIN}_3.1.0.tmp-0a1b.tmp-2c3d`)); // debris of a crashed extractor
    await writeFile(join(dir, "notes.txt"), "not ours");

    await cache.evict(PLUGIN, ["3.2.0-rc.1"]);
    expect((await readdir(dir)).sort()).toEqual(
      [
        `${PLUGIN}_3.2.0-rc.1`,
        `${PLUGIN}_3.2.0-rc.1.zip`,
        `${other}_3.0.0`,
        `${other}_3.0.0.zip`,
        "notes.txt",
      ].sort(),
    );

    await cache.remove(PLUGIN);
    expect((await readdir(dir)).sort()).toEqual([`${other}_3.0.0`, `${other}_3.0.0.zip`, "notes.txt"].sort());
    await expect(cache.evict("plugin_never_seen1")).resolves.toBeUndefined();
  });

  it("works with core's extractArchive as the extractor", async () => {
    const { ref } = await publish(PLUGIN, "5.0.0", {
      "manifest.json": JSON.stringify({
        name: "slack",
        version: "5.0.0",
        pluginType: "notify",
        entryPoint: "index.js",
      }),
      "index.js": 'export default { version: "5.0.0" };\n',
    });
    const real = new FsArtifactCache({ dir, store, extract: extractArchive });
    const cached = await real.ensure(ref);
    expect(await readFile(join(cached.dir, "index.js"), "utf8")).toContain("5.0.0");
    expect(await readFile(join(cached.dir, COMPLETE_MARKER), "utf8")).toBe(ref.sha256);
    expect((await readdir(dir)).sort()).toEqual([`${PLUGIN}_5.0.0`, `${PLUGIN}_5.0.0.zip`]);
    await real.ensure(ref);
    expect(store.gets).toBe(1);
  });

  it("rejects refs that are unsafe as file names, before touching anything", async () => {
    const { ref } = await publish(PLUGIN, "4.0.0");
    const bad: ArtifactRef[] = [
      { ...ref, pluginId: "../escape" },
      { ...ref, pluginId: "a/b" },
      { ...ref, version: "1.0.0/../../x" },
      { ...ref, version: "1.0.0.zip" },
      { ...ref, sha256: "ABC" },
    ];
    for (const item of bad) await expect(cache.ensure(item)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cache.evict("../..")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(store.gets).toBe(0);
  });
});
