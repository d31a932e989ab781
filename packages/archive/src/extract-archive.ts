import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { ArchiveInspection } from "@arcade/core";
import { type ArchiveLimits, resolveArchiveLimits } from "@arcade/core";
import { resolveInside } from "./resolve-inside.js";
import type { EntrySink } from "./scan-archive.js";
import { scanArchive } from "./scan-archive.js";
import { sha256File } from "./sha256.js";

export interface ExtractResult {
  /** The target folder (absolute). */
  dir: string;
  /** False when the folder already existed (another process extracted it first); it was left as it was. */
  created: boolean;
  inspection: ArchiveInspection;
}

/**
 * Unpacks a plugin archive into `targetDir`, checking everything inspectArchive
 * checks while it writes. Files go to a sibling `<targetDir>.tmp-<random>` folder
 * that is renamed into place only after the last entry passed, so `targetDir`
 * either does not exist or is complete. If `targetDir` exists by then, another
 * process won the race: its folder is kept and ours removed. On any failure the
 * temporary folder is removed. Nothing is written outside it: entry names are
 * checked, files are created exclusively (never through an existing path), and
 * resolveInside guards every path.
 */
export async function extractArchive(
  archivePath: string,
  targetDir: string,
  limits: Partial<ArchiveLimits> = {},
): Promise<ExtractResult> {
  const target = path.resolve(targetDir);
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
  await mkdir(temp);
  let created = false;
  try {
    const [digest, scanned] = await Promise.all([
      sha256File(archivePath),
      scanArchive(archivePath, resolveArchiveLimits(limits), folderSink(temp)),
    ]);
    try {
      await rename(temp, target);
      created = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
    }
    return { dir: target, created, inspection: { ...scanned, sha256: digest.sha256 } };
  } finally {
    if (!created) await rm(temp, { recursive: true, force: true });
  }
}

function folderSink(root: string): EntrySink {
  return {
    async directory(entry) {
      await mkdir(resolveInside(root, entry.name), { recursive: true });
    },
    async file(entry) {
      const file = resolveInside(root, entry.name);
      await mkdir(path.dirname(file), { recursive: true });
      // "wx": create, fail if anything (a file, a symlink) is already there.
      return createWriteStream(file, { flags: "wx", mode: 0o644 });
    },
  };
}
