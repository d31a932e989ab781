import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ObjectStore } from "../ports/object-store.js";

/** Streams an object into a local file (parent folders created). */
export async function downloadObject(store: ObjectStore, key: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const body = await store.get(key);
  try {
    await pipeline(body, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

export async function removeQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true, recursive: true }).catch(() => {})));
}
