import type { Readable } from "node:stream";

/** The two files of one job's scratch folder. */
export interface JobScratch {
  /** The artifact as fetched or downloaded (a zip, or one module file). */
  raw: string;
  /** Where a module upload is built into a plugin archive. */
  zip: string;
}

/**
 * The local files a job works on: a scratch folder per job (worker.data_dir/tmp/worker/<jobId>).
 * Core does no file I/O of its own; the worker implements this on the local disk
 * (apps/worker/src/local-job-files.ts).
 */
export interface JobFiles {
  /** Creates the job's scratch folder (idempotent) and names its files. */
  scratch(jobId: string): Promise<JobScratch>;
  /** Streams `body` into `path`; nothing is left at `path` when it fails. */
  write(path: string, body: Readable): Promise<void>;
  /** A read stream of a local file (to store it, or to build an archive from it). */
  open(path: string): Readable;
  /** Removes the job's scratch folder; never throws. */
  remove(jobId: string): Promise<void>;
}
