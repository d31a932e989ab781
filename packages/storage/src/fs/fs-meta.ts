import type { BigIntStats } from "node:fs";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { writeDurably } from "../durable-file.js";

/**
 * Sidecar content. It names the data file it belongs to by inode, size and
 * mtime (all kept by rename), so a sidecar left over from another write of the
 * same key (a crash or a race between two renames) is recognised as stale and
 * ignored instead of vouching for bytes it does not describe.
 */
export interface FsMeta {
  sha256: string;
  size: string;
  ino: string;
  mtimeNs: string;
  contentType?: string | undefined;
}

export function metaFor(stats: BigIntStats, sha256: string, contentType: string | undefined): FsMeta {
  return {
    sha256,
    size: stats.size.toString(),
    ino: stats.ino.toString(),
    mtimeNs: stats.mtimeNs.toString(),
    ...(contentType === undefined ? {} : { contentType }),
  };
}

export function metaMatches(meta: FsMeta, stats: BigIntStats): boolean {
  return (
    meta.size === stats.size.toString() &&
    meta.ino === stats.ino.toString() &&
    meta.mtimeNs === stats.mtimeNs.toString()
  );
}

export async function writeMetaFile(path: string, meta: FsMeta): Promise<void> {
  await writeDurably(path, Readable.from([Buffer.from(JSON.stringify(meta))]));
}

/** The sidecar at `path`, or null when it is missing or unreadable as a sidecar. */
export async function readMetaFile(path: string): Promise<FsMeta | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<FsMeta>;
    if (
      typeof value.sha256 === "string" &&
      typeof value.size === "string" &&
      typeof value.ino === "string" &&
      typeof value.mtimeNs === "string"
    ) {
      return value as FsMeta;
    }
  } catch {
    // a torn or foreign file: treated as no sidecar
  }
  return null;
}
