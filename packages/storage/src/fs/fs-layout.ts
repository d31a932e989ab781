import { join, sep } from "node:path";
import { invalidKey } from "../errors.js";

/** Temp files of writers in progress (data and sidecar): `<name>.tmp-<hex>`. */
export const TEMP_NAME = /\.tmp-[0-9a-f]+$/;
/** Sidecar with an object's metadata: `<name>.meta.json`. */
export const META_SUFFIX = ".meta.json";

/**
 * Keys map to files under the root, segment by segment. Names the store uses
 * for its own files are reserved so no key can collide with them.
 */
export function assertKeyFitsLayout(key: string): void {
  for (const segment of key.split("/")) {
    if (segment.endsWith(META_SUFFIX) || TEMP_NAME.test(segment)) {
      throw invalidKey(
        key,
        `segment '${segment}' looks like a file of the store itself (.meta.json, .tmp-*)`,
      );
    }
  }
}

export function pathOfKey(root: string, key: string): string {
  return join(root, ...key.split("/"));
}

export function metaPathOf(dataPath: string): string {
  return dataPath + META_SUFFIX;
}

export function keyOfPath(root: string, path: string): string {
  return path
    .slice(root.length + 1)
    .split(sep)
    .join("/");
}

export function isStoreFile(name: string): boolean {
  return name.endsWith(META_SUFFIX) || TEMP_NAME.test(name);
}
