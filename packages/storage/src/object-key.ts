import { invalidKey } from "./errors.js";

const MAX_KEY_BYTES = 1024;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * The key rules both adapters share, so a key that works on the filesystem
 * store also works on S3 and the other way round: `/`-separated segments, no
 * empty, `.` or `..` segment, no leading `/`, no backslash, no control
 * characters, at most 1024 UTF-8 bytes.
 */
export function assertValidKey(key: string): void {
  if (key.length === 0) throw invalidKey(key, "empty");
  if (key.endsWith("/")) throw invalidKey(key, "ends with '/'");
  assertValidPath(key);
}

/**
 * A prefix is matched as a plain string (as S3 does): `plugins/a` also matches
 * `plugins/ab/...`; end it with `/` to mean one folder.
 */
export function assertValidPrefix(prefix: string, options: { allowEmpty: boolean }): void {
  if (prefix.length === 0) {
    if (options.allowEmpty) return;
    throw invalidKey(prefix, "an empty prefix would match every object");
  }
  // The last segment may be partial ("plugins/a"), so only check complete segments strictly.
  assertValidPath(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

function assertValidPath(path: string): void {
  if (Buffer.byteLength(path, "utf8") > MAX_KEY_BYTES)
    throw invalidKey(path, `longer than ${MAX_KEY_BYTES} bytes`);
  if (path.startsWith("/")) throw invalidKey(path, "absolute (starts with '/')");
  if (path.includes("\\")) throw invalidKey(path, "contains a backslash");
  if (CONTROL_CHARS.test(path)) throw invalidKey(path, "contains a control character");
  for (const segment of path.split("/")) {
    if (segment === "") throw invalidKey(path, "has an empty segment ('//')");
    if (segment === "." || segment === "..") throw invalidKey(path, `has a '${segment}' segment`);
  }
}
