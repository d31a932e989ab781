import { randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { type FileHandle, mkdir, open, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Suffix for temp names: unique per writer, so parallel writers never share a file. */
export function randomSuffix(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Streams `source` (through `transforms`) into a new file at `path`, fsyncs it
 * and returns its stats. The file must not exist (`wx`); on any failure it is
 * removed, so the caller only ever renames complete, flushed files into place.
 * Missing parent folders are created.
 */
export async function writeDurably(
  path: string,
  source: Readable,
  ...transforms: Transform[]
): Promise<BigIntStats> {
  const handle = await createExclusive(path);
  let closed = false;
  try {
    await pipeline([source, ...transforms, handle.createWriteStream({ autoClose: false })]);
    await handle.sync();
    const stats = await handle.stat({ bigint: true });
    closed = true;
    await handle.close();
    return stats;
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Opens a new file, creating its folder. Retries when the folder vanishes
 * between mkdir and open: another writer may prune empty folders meanwhile.
 */
async function createExclusive(path: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(dirname(path), { recursive: true });
    try {
      return await open(path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw error;
    }
  }
}

/** Makes completed renames in `dir` durable (the rename lives in the directory, not the file). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
