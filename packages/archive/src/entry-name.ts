import { relativePathProblem } from "@arcade/core";
import { MAX_ENTRY_NAME_BYTES } from "./reading-limits.js";

/** Directory entries end with "/" (the zip spec's convention). */
export function isDirectoryName(name: string): boolean {
  return name.endsWith("/");
}

/**
 * Why an entry name is unsafe to extract, or null. On top of relativePathProblem
 * (absolute paths, drive letters, `..`, backslashes, control characters, empty
 * segments), a directory may end with one "/" and a name may be at most
 * MAX_ENTRY_NAME_BYTES long.
 */
export function entryNameProblem(name: string): string | null {
  if (Buffer.byteLength(name, "utf8") > MAX_ENTRY_NAME_BYTES) {
    return `is longer than ${MAX_ENTRY_NAME_BYTES} bytes`;
  }
  if (name === "/") return "is an absolute path";
  return relativePathProblem(isDirectoryName(name) ? name.slice(0, -1) : name);
}

/**
 * The key two names collide under when extracted on a case-insensitive or
 * normalising file system (macOS, Windows): "A.js"/"a.js", or "é" precomposed and
 * decomposed. NFKC also folds look-alike compatibility forms (full-width letters).
 */
export function entryCollisionKey(name: string): string {
  const path = isDirectoryName(name) ? name.slice(0, -1) : name;
  return path.normalize("NFKC").toLowerCase().normalize("NFKC");
}
