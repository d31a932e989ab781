import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { JobRepo } from "@arcade/core";

/**
 * Removes the scratch folders (`workDir/<jobId>`: the downloaded upload, the built archive) of
 * jobs that have finished. A job cleans its own folder when it ends, but a worker killed in the
 * middle of one never does, and the job is then finished by another worker with its own folder:
 * without this the copy stays on the dead worker's disk for ever. Folders of unfinished jobs are
 * kept, since workers that share a data folder may be working on them. Returns how many went.
 */
export async function sweepScratch(workDir: string, jobs: JobRepo): Promise<number> {
  const entries = await readdir(workDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const job = await jobs.get(entry.name);
    if (job && job.state !== "succeeded" && job.state !== "failed") continue;
    await rm(join(workDir, entry.name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
