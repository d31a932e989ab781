import type { ArchiveTools } from "@arcade/core";
import { buildSingleFileArchive } from "./build-single-file-archive.js";
import { inspectArchive } from "./inspect-archive.js";
import { sha256File } from "./sha256.js";

/** Core's ArchiveTools port, for the composition roots to hand to the jobs. */
export const archiveTools: ArchiveTools = {
  digestFile: sha256File,
  inspect: inspectArchive,
  buildSingleFile: buildSingleFileArchive,
};
