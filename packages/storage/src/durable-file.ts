import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { type BigIntStats, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { retry } from "@arcade/core";

/** Suffix for temp names: unique per writer, so parallel writers never share a file. */
export function randomSuffix(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Streams `source` (through `transforms`) into a new file at `path`, fsyncs it
 * (`flush`) and returns its stats. The file must not exist (`wx`); on any
 * failure it is removed, so callers only ever rename complete, flushed files
 * into place. Missing parent folders are created.
 */
export async function writeDurably(
  path: string,
  source: Readable,
  ...transforms: Transform[]
): Promise<BigIntStats> {
  const target = await openExclusive(path);
  try {
    await pipeline([source, ...transforms, target]);
    return await stat(path, { bigint: true });
  } catch (error) {
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Opens a new file for writing, creating its folder; tries again when the
 * folder vanishes between mkdir and open (a parallel delete prunes empty folders).
 */
async function openExclusive(path: string): Promise<WriteStream> {
  return retry(
    async () => {
      await mkdir(dirname(path), { recursive: true });
      const stream = createWriteStream(path, { flags: "wx", flush: true });
      await once(stream, "open");
      return stream;
    },
    { attempts: 5, retryable: (error) => (error as NodeJS.ErrnoException).code === "ENOENT" },
  );
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
