import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { JobFiles, JobScratch } from "@arcade/core";

/**
 * The JobFiles port on the local disk: `<workDir>/<jobId>/` per job (upload, artifact.zip).
 * scratch-sweep.ts removes the folders a killed worker left behind.
 */
export class LocalJobFiles implements JobFiles {
  constructor(readonly workDir: string) {}

  async scratch(jobId: string): Promise<JobScratch> {
    const dir = join(this.workDir, jobId);
    await mkdir(dir, { recursive: true });
    return { raw: join(dir, "upload"), zip: join(dir, "artifact.zip") };
  }

  async write(path: string, body: Readable): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    try {
      await pipeline(body, createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  open(path: string): Readable {
    return createReadStream(path);
  }

  async remove(jobId: string): Promise<void> {
    await rm(join(this.workDir, jobId), { force: true, recursive: true }).catch(() => {});
  }
}
