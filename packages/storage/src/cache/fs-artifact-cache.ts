import { chmod, lstat, mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { Sha256Stream } from "@arcade/archive";
import type { ArtifactCache, ArtifactRef, CachedArtifact, ObjectStore } from "@arcade/core";
import { AppError, isAppError, retry } from "@arcade/core";
import { randomSuffix, syncDirectory, writeDurably } from "../durable-file.js";
import { classifyFsError } from "../fs/classify-fs-error.js";
import { assertPluginId, assertSha256, entryBase, parseEntryName } from "./cache-names.js";
import { sha256OfFile } from "./hash-file.js";

/**
 * Unpacks the zip at `zipPath` into `targetDir`, a fresh temp name that does
 * not exist yet. @arcade/archive's `extractArchive(archivePath, targetDir, limits?)` fits
 * as it is; its result is ignored.
 */
export type ExtractArchive = (zipPath: string, targetDir: string) => Promise<unknown>;

/** The subset of a pino logger the cache uses. */
export interface CacheLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface FsArtifactCacheOptions {
  /** The node's `local_cache_dir`; created when missing. */
  dir: string;
  /**
   * Where artifacts are fetched from. The cache only ever reads: a node's store key may be
   * read-only (storage.s3_reader_*), and nothing here may need more.
   */
  store: Pick<ObjectStore, "get">;
  extract: ExtractArchive;
  logger?: CacheLogger | undefined;
}

/** Written last into an unpacked folder: it is complete, and for which checksum. */
export const COMPLETE_MARKER = ".arcade-complete";

/**
 * Per-node artifact cache: `{dir}/{pluginId}_{version}.zip` and the unpacked
 * folder `{dir}/{pluginId}_{version}/`.
 *
 * Every `ensure` hashes the zip (no trust in sizes or mtimes: a flipped byte
 * keeps both) and checks the folder's marker. A missing, partial or corrupt zip
 * is fetched again from the object store into a temp name, verified while it
 * streams, fsynced and renamed over the old one. A folder without the right
 * marker is extracted again into a temp folder, marked, and renamed into place.
 *
 * A folder this instance did not extract itself is never trusted, marker or not:
 * the first ensure of an artifact in a process re-extracts it from the verified
 * zip and replaces whatever folder was there (its files are code every node runs;
 * anything that could write the cache between two runs could have changed them).
 * Extracted folders are read-only to everyone but the platform's user
 * (dirs 0755, files 0644), so plugin processes, which run as another user, cannot
 * change them while this instance trusts them.
 *
 * Several processes may share the folder: every change is a rename of a
 * complete temp entry; a zip renamed over by another process has the same
 * verified bytes; a folder already put in place by another process with the
 * right marker is used as is. Within a process, parallel ensures of one
 * artifact share one fetch.
 */
export class FsArtifactCache implements ArtifactCache {
  readonly dir: string;
  private readonly store: Pick<ObjectStore, "get">;
  private readonly extract: ExtractArchive;
  private readonly logger: CacheLogger | undefined;
  private readonly inFlight = new Map<string, Promise<CachedArtifact>>();
  /** Artifacts (`base\nsha256`) whose folder this instance extracted itself. */
  private readonly extracted = new Set<string>();

  constructor(options: FsArtifactCacheOptions) {
    this.dir = resolve(options.dir);
    this.store = options.store;
    this.extract = options.extract;
    this.logger = options.logger;
  }

  ensure(ref: ArtifactRef): Promise<CachedArtifact> {
    let base: string;
    try {
      base = entryBase(ref.pluginId, ref.version);
      assertSha256(ref.sha256);
    } catch (error) {
      return Promise.reject(error);
    }
    const flightKey = extractedKey(base, ref.sha256);
    const running = this.inFlight.get(flightKey);
    if (running !== undefined) return running;
    const work = this.ensureNow(ref, base).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, work);
    return work;
  }

  async evict(pluginId: string, keepVersions: readonly string[] = []): Promise<void> {
    assertPluginId(pluginId);
    const keep = new Set(keepVersions);
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw classifyFsError(error, { operation: `evict of ${pluginId} from the cache` });
    }
    for (const name of names) {
      const entry = parseEntryName(name);
      // Only names this cache derived for this plugin: never a path from outside.
      if (entry === null || entry.pluginId !== pluginId || keep.has(entry.version)) continue;
      for (const key of this.extracted) {
        if (key.startsWith(`${pluginId}_${entry.version}\n`)) this.extracted.delete(key);
      }
      try {
        await rm(join(this.dir, name), { recursive: true, force: true });
      } catch (error) {
        throw classifyFsError(error, { operation: `evict of ${name} from the cache` });
      }
    }
  }

  /** Drops every cached version of a plugin (uninstall). */
  remove(pluginId: string): Promise<void> {
    return this.evict(pluginId, []);
  }

  private async ensureNow(ref: ArtifactRef, base: string): Promise<CachedArtifact> {
    const zipPath = join(this.dir, `${base}.zip`);
    const unpacked = join(this.dir, base);
    try {
      await mkdir(this.dir, { recursive: true });
      const found = await sha256OfFile(zipPath);
      if (found !== ref.sha256) {
        if (found !== null) {
          this.logger?.warn(
            { pluginId: ref.pluginId, version: ref.version, expected: ref.sha256, found },
            "cached artifact failed verification; fetching it again",
          );
        }
        await this.fetchZip(ref, zipPath, unpacked);
      }
      const key = extractedKey(base, ref.sha256);
      if (!this.extracted.has(key) || !(await markerMatches(unpacked, ref.sha256))) {
        await this.unpack(ref, zipPath, unpacked);
        this.extracted.add(key);
      }
      return { zipPath, dir: unpacked };
    } catch (error) {
      throw isAppError(error) ? error : classifyFsError(error, { operation: `caching ${base}` });
    }
  }

  private async fetchZip(ref: ArtifactRef, zipPath: string, unpacked: string): Promise<void> {
    this.logger?.info(
      { pluginId: ref.pluginId, version: ref.version, key: ref.objectKey },
      "fetching artifact",
    );
    const body = await this.store.get(ref.objectKey);
    const hasher = new Sha256Stream({ expectedSha256: ref.sha256 });
    const tmp = `${zipPath}.tmp-${randomSuffix()}`;
    try {
      await writeDurably(tmp, body, hasher);
    } catch (error) {
      body.destroy();
      if (hasher.failure === null) throw error;
      await this.discardInvalid(ref, zipPath, unpacked);
      throw new AppError(
        hasher.failure.code,
        `artifact ${ref.objectKey} for ${ref.pluginId}@${ref.version} does not match its recorded checksum: ${hasher.failure.message}`,
        {
          cause: hasher.failure,
          detail: "the stored artifact is corrupt; reinstall or roll back the plugin",
        },
      );
    }
    // Replaces a corrupt copy in one step; a parallel process renaming the same
    // verified bytes over it is harmless.
    await rename(tmp, zipPath);
    await syncDirectory(this.dir);
  }

  private async unpack(ref: ArtifactRef, zipPath: string, unpacked: string): Promise<void> {
    const staging = `${unpacked}.tmp-${randomSuffix()}`;
    try {
      await this.extract(zipPath, staging).catch((error: unknown) => {
        throw extractFailure(error, ref);
      });
      await mkdir(staging, { recursive: true }); // an empty zip may leave no folder
      await writeDurably(join(staging, COMPLETE_MARKER), Readable.from([Buffer.from(ref.sha256)]));
      await readOnlyForOthers(staging);
      await this.installFolder(staging, unpacked);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Renames a complete folder into place, moving whatever was there aside first. */
  private async installFolder(staging: string, target: string): Promise<void> {
    await retry(() => rename(staging, target), {
      attempts: 5,
      retryable: (error) => IN_THE_WAY.has((error as NodeJS.ErrnoException).code ?? ""),
      // An incomplete or foreign folder is in the way: move it aside in one step, then drop it.
      onRetry: () => moveAside(target),
    });
  }

  /** After a bad fetch, leaves nothing of this artifact that does not verify. */
  private async discardInvalid(ref: ArtifactRef, zipPath: string, unpacked: string): Promise<void> {
    if ((await sha256OfFile(zipPath)) !== ref.sha256) await rm(zipPath, { force: true });
    if (!(await markerMatches(unpacked, ref.sha256))) await rm(unpacked, { recursive: true, force: true });
  }
}

/**
 * An extractor's own AppError (core's ARCHIVE_* codes) passes through; an errno
 * error is a filesystem fault (STORAGE_*); anything else means a zip that
 * verified but cannot be unpacked, which no retry fixes.
 */
function extractFailure(error: unknown, ref: ArtifactRef): AppError {
  if (isAppError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    return classifyFsError(error, { operation: `unpacking ${ref.pluginId}@${ref.version}` });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError("ARCHIVE_INVALID", `cannot unpack ${ref.pluginId}@${ref.version}: ${message}`, {
    cause: error,
  });
}

function extractedKey(base: string, sha256: string): string {
  return `${base}\n${sha256}`;
}

/**
 * Folders 0755 and files 0644, whatever the zip or the umask said: readable by the plugin
 * user, writable by nobody but the platform. Links are not followed (the extractor makes none).
 */
async function readOnlyForOthers(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (!info.isDirectory()) {
    await chmod(path, 0o644);
    return;
  }
  await chmod(path, 0o755);
  for (const name of await readdir(path)) await readOnlyForOthers(join(path, name));
}

async function markerMatches(folder: string, sha256: string): Promise<boolean> {
  try {
    return (await readFile(join(folder, COMPLETE_MARKER), "utf8")).trim() === sha256;
  } catch {
    return false;
  }
}

/** What rename answers when a folder is already at the target. */
const IN_THE_WAY = new Set(["ENOTEMPTY", "EEXIST", "ENOTDIR"]);

/** Moves `target` aside in one step (if it is there at all), then removes it. */
async function moveAside(target: string): Promise<void> {
  const trash = `${target}.trash-${randomSuffix()}`;
  try {
    await rename(target, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await rm(trash, { recursive: true, force: true });
}
