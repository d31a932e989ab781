import path from "node:path";
import { archiveError } from "./archive-error.js";

/**
 * The absolute path of `name` inside `root`. Entry names are checked long before
 * this; the check here is the last line of defence, so that no mistake elsewhere
 * can ever make extraction write outside its folder.
 */
export function resolveInside(root: string, name: string): string {
  const base = path.resolve(root);
  const full = path.resolve(base, name);
  if (!full.startsWith(base + path.sep)) {
    throw archiveError(
      "ARCHIVE_UNSAFE",
      `the entry ${JSON.stringify(name)} would be written outside the target folder`,
    );
  }
  return full;
}
