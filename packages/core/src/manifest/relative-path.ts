/** Longest path segment most file systems accept (bytes of UTF-8). */
export const MAX_SEGMENT_BYTES = 255;

// C0 controls (NUL included), DEL and the C1 controls.
const CONTROL = /\p{Cc}/u;

/**
 * Why `path` is not a safe relative POSIX path inside a folder, or null when it is.
 * Shared by manifest `entryPoint` and archive entry names, so that anything the
 * manifest may name is something the archive may contain and vice versa.
 * Rejected: empty, control characters, backslashes (a separator on Windows), an
 * absolute path, a drive letter (`C:`), empty segments (`a//b`), `.` and `..`
 * segments, and segments longer than MAX_SEGMENT_BYTES.
 */
export function relativePathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (CONTROL.test(path)) return "contains a control character";
  if (path.includes("\\")) return "contains a backslash (use / between folders)";
  if (path.startsWith("/")) return "is an absolute path";
  if (/^[A-Za-z]:/.test(path)) return "starts with a drive letter";
  for (const segment of path.split("/")) {
    if (segment === "") return "has an empty segment (//, or a trailing /)";
    if (segment === "..") return 'has a ".." segment (would leave the folder)';
    if (segment === ".") return 'has a "." segment';
    if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
      return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
    }
  }
  return null;
}
