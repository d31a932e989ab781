import { posix } from "node:path";
import { relativePathProblem } from "../manifest/relative-path.js";

// C0 controls (NUL included), DEL and the C1 controls.
const CONTROL = /\p{Cc}/u;

/**
 * Why an fs.read / fs.write entry is unusable, or null. Relative entries follow the
 * entryPoint rules (no `..`, no `.`, no empty segment): they name something inside the
 * plugin's own folder. Absolute entries are host paths, checked for shape here and
 * against `runtime.allowed_host_paths` by hostPathProblems.
 */
export function fsEntryProblem(entry: string): string | null {
  if (!entry.startsWith("/")) {
    const trimmed = stripTrailingSlash(entry);
    const problem = relativePathProblem(trimmed);
    return problem ? `must be a path inside the plugin's own folder: it ${problem}` : null;
  }
  if (CONTROL.test(entry)) return "contains a control character";
  if (entry.includes("\\")) return "contains a backslash";
  if (entry === "/") return "may not be the whole file system";
  if (entry.includes("*")) return "may not contain * (name a folder: everything below it is included)";
  // Node once split --allow-fs-* values at commas; a path with one cannot be granted safely.
  if (entry.includes(",")) return "may not contain a comma";
  const normal = posix.normalize(entry);
  if (stripTrailingSlash(normal) !== stripTrailingSlash(entry)) {
    return `must be written without ".", ".." or "//" (as ${stripTrailingSlash(normal)})`;
  }
  return null;
}

/** True for a host path (absolute), false for a path inside the plugin's own folders. */
export function isHostPath(entry: string): boolean {
  return entry.startsWith("/");
}

/** `a/b/` -> `a/b`; `/` stays. */
export function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.replace(/\/+$/, "") || "/" : path;
}

/** True when `path` is `root` or lies below it (both absolute and normalised). */
export function isWithin(root: string, path: string): boolean {
  const r = stripTrailingSlash(root);
  const p = stripTrailingSlash(path);
  return p === r || p.startsWith(r === "/" ? "/" : `${r}/`);
}

/**
 * Host paths of a permission set that no `allowed` root covers: each becomes
 * `{ path, message }` for the caller to report (manifest pointer included).
 */
export function hostPathProblems(
  fs: { read: readonly string[]; write: readonly string[] },
  allowed: readonly string[],
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const kind of ["read", "write"] as const) {
    fs[kind].forEach((entry, index) => {
      if (!isHostPath(entry) || allowed.some((root) => isWithin(root, entry))) return;
      problems.push({
        path: `/permissions/fs/${kind}/${index}`,
        message:
          allowed.length === 0
            ? `"${entry}" is a host path, and this platform allows none (runtime.allowed_host_paths is empty)`
            : `"${entry}" is a host path outside runtime.allowed_host_paths (${allowed.join(", ")})`,
      });
    });
  }
  return problems;
}
