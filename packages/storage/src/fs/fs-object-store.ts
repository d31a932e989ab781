import type { Dirent } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Sha256Stream } from "@arcade/archive";
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from "@arcade/core";
import { randomSuffix, syncDirectory, writeDurably } from "../durable-file.js";
import { mapStreamErrors } from "../map-stream-errors.js";
import { assertValidKey, assertValidPrefix } from "../object-key.js";
import { classifyFsError } from "./classify-fs-error.js";
import {
  assertKeyFitsLayout,
  isStoreFile,
  keyOfPath,
  META_SUFFIX,
  metaPathOf,
  pathOfKey,
  TEMP_NAME,
} from "./fs-layout.js";
import { metaFor, metaMatches, readMetaFile, writeMetaFile } from "./fs-meta.js";

export interface FsObjectStoreOptions {
  /** Folder that holds the objects; created when missing. */
  root: string;
}

/** Leftover temp files older than this are debris of a crashed writer. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/**
 * ObjectStore on a local folder: the embedded default. A key `a/b/c.zip` is the
 * file `{root}/a/b/c.zip`; its SHA-256 lives in the sidecar `c.zip.meta.json`.
 *
 * Writes are atomic: the body streams into `<file>.tmp-<hex>` (fsynced), the
 * sidecar into `<file>.meta.json.tmp-<hex>` (fsynced), then the data file is
 * renamed into place, then the sidecar. A reader therefore sees either the old
 * or the new complete file, never a partial one. Between the two renames (or
 * after a crash there) the sidecar belongs to another version of the file; it
 * records the inode, size and mtime of its data file, so `head` notices and
 * answers `sha256: null` rather than a wrong checksum.
 *
 * A key cannot be both an object and the folder of other keys (S3 allows
 * that; our key scheme never needs it): such a put fails with BAD_REQUEST.
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  constructor(options: FsObjectStoreOptions) {
    this.root = resolve(options.root);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    this.checkKey(key);
    const file = pathOfKey(this.root, key);
    const hasher = new Sha256Stream({
      expectedSha256: options.sha256,
      expectedSize: options.size,
      maxBytes: options.maxBytes,
    });
    let bodyError: unknown = null;
    body.once("error", (error) => {
      bodyError = error;
    });
    const tmp = `${file}.tmp-${randomSuffix()}`;
    const metaTmp = `${metaPathOf(file)}.tmp-${randomSuffix()}`;
    try {
      const stats = await writeDurably(tmp, body, hasher);
      try {
        await writeMetaFile(metaTmp, metaFor(stats, hasher.sha256, options.contentType));
        await rename(tmp, file);
        await rename(metaTmp, metaPathOf(file));
      } catch (error) {
        await rm(tmp, { force: true });
        await rm(metaTmp, { force: true });
        throw error;
      }
      await syncDirectory(dirname(file));
    } catch (error) {
      body.destroy();
      if (hasher.failure !== null) throw hasher.failure;
      if (bodyError !== null) throw bodyError;
      throw classifyFsError(error, { operation: "put", key });
    }
    return { key, size: hasher.byteCount, sha256: hasher.sha256 };
  }

  async get(key: string): Promise<Readable> {
    this.checkKey(key);
    const context = { operation: "get", key, missingIsNotFound: true };
    let handle: FileHandle | undefined;
    try {
      handle = await open(pathOfKey(this.root, key), "r");
      // Opening a folder for reading succeeds on Linux; it is still no object.
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw classifyFsError(notFoundIfNotDir(error), context);
    }
    return mapStreamErrors(handle.createReadStream(), (error) => classifyFsError(error, context));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    this.checkKey(key);
    const file = pathOfKey(this.root, key);
    try {
      const stats = await stat(file, { bigint: true });
      if (!stats.isFile()) return null;
      const meta = await readMetaFile(metaPathOf(file));
      return {
        key,
        size: Number(stats.size),
        sha256: meta !== null && metaMatches(meta, stats) ? meta.sha256 : null,
        lastModified: stats.mtime,
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw classifyFsError(error, { operation: "head", key });
    }
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    try {
      await this.deleteFile(pathOfKey(this.root, key));
      await this.pruneEmptyFolders(dirname(pathOfKey(this.root, key)));
    } catch (error) {
      throw classifyFsError(error, { operation: "delete", key });
    }
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix, { allowEmpty: false });
    let deleted = 0;
    try {
      const start = this.walkStart(prefix);
      for await (const entry of this.walk(start, true)) {
        const key = keyOfPath(this.root, entry.path);
        if (!key.startsWith(prefix)) continue;
        if (entry.kind === "object") {
          if (await this.deleteFile(entry.path)) deleted += 1;
        } else if (entry.kind === "stale") {
          await rm(entry.path, { force: true });
        }
      }
      await this.pruneEmptyFolders(start, true);
    } catch (error) {
      throw classifyFsError(error, { operation: "deleteByPrefix", key: prefix });
    }
    return deleted;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix, { allowEmpty: true });
    const infos: ObjectInfo[] = [];
    try {
      for await (const entry of this.walk(this.walkStart(prefix), false)) {
        if (entry.kind !== "object") continue;
        const key = keyOfPath(this.root, entry.path);
        if (!key.startsWith(prefix)) continue;
        const stats = await stat(entry.path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") return null; // deleted while listing
          throw error;
        });
        // sha256 stays null as on S3, whose listings carry no metadata: use head for it.
        if (stats !== null) infos.push({ key, size: stats.size, sha256: null, lastModified: stats.mtime });
      }
    } catch (error) {
      throw classifyFsError(error, { operation: "list", key: prefix });
    }
    return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Checks that the root exists (creating it) and that a file can be written there. */
  async ping(): Promise<void> {
    const probe = join(this.root, `.arcade-ping.tmp-${randomSuffix()}`);
    try {
      await mkdir(this.root, { recursive: true });
      const handle = await open(probe, "wx");
      await handle.close();
      await unlink(probe);
    } catch (error) {
      throw classifyFsError(error, { operation: `ping of ${this.root}` });
    }
  }

  private checkKey(key: string): void {
    assertValidKey(key);
    assertKeyFitsLayout(key);
  }

  /** Removes an object's sidecar, then its data; true when there was data to remove. */
  private async deleteFile(file: string): Promise<boolean> {
    // Sidecar first: a crash in between leaves data without sha256, never a sidecar without data.
    await rm(metaPathOf(file), { force: true });
    try {
      await unlink(file);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      if (code === "EISDIR" || code === "EPERM") {
        // The key names a folder of other keys, not an object.
        const stats = await stat(file).catch(() => null);
        if (stats?.isDirectory()) return false;
      }
      throw error;
    }
  }

  /** The deepest folder that contains every key with this prefix. */
  private walkStart(prefix: string): string {
    const cut = prefix.lastIndexOf("/");
    return cut < 0 ? this.root : pathOfKey(this.root, prefix.slice(0, cut));
  }

  /**
   * Files under `dir`: objects, and (when `withDebris`) temp files of crashed
   * writers and sidecars whose data file is gone.
   */
  private async *walk(dir: string, withDebris: boolean): AsyncGenerator<WalkEntry> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw error;
    }
    const names = new Set(entries.map((entry) => entry.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(path, withDebris);
      } else if (!isStoreFile(entry.name)) {
        yield { kind: "object", path };
      } else if (withDebris && (await isDebris(path, entry.name, names))) {
        yield { kind: "stale", path };
      }
    }
  }

  /** Removes empty folders from `dir` upwards (and, when `deep`, below it), never the root. */
  private async pruneEmptyFolders(dir: string, deep = false): Promise<void> {
    if (deep) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.isDirectory()) await this.pruneEmptyFolders(join(dir, entry.name), true);
      }
    }
    let current = dir;
    while (current.startsWith(this.root) && current.length > this.root.length) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or a writer just created it): stop here
      }
      current = dirname(current);
    }
  }
}

interface WalkEntry {
  kind: "object" | "stale";
  path: string;
}

async function isDebris(path: string, name: string, siblings: ReadonlySet<string>): Promise<boolean> {
  if (TEMP_NAME.test(name)) {
    const stats = await stat(path).catch(() => null);
    return stats !== null && Date.now() - stats.mtimeMs > STALE_TEMP_MS;
  }
  return name.endsWith(META_SUFFIX) && !siblings.has(name.slice(0, -META_SUFFIX.length));
}

function notFoundIfNotDir(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOTDIR" || code === "EISDIR"
    ? Object.assign(new Error("not an object"), { code: "ENOENT" })
    : error;
}
