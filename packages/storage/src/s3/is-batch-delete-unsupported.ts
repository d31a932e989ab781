const UNSUPPORTED_NAMES = new Set([
  "InvalidDigest",
  "MethodNotAllowed",
  "MissingContentMD5",
  "NotImplemented",
  "XNotImplemented",
]);

/**
 * Whether a failed DeleteObjects means "this server does not do batch deletes
 * (the way the SDK sends them)" rather than a real failure. Only then does a
 * prefix delete fall back to one DeleteObject per key.
 */
export function isBatchDeleteUnsupported(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof name === "string" && UNSUPPORTED_NAMES.has(name)) return true;
  const status = $metadata?.httpStatusCode;
  return status === 405 || status === 501;
}
