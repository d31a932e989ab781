/**
 * Two layers, because neither covers everything alone:
 * - pino's `redact` (REDACT_PATHS) takes fixed paths and is the only hook that also sees
 *   child-logger bindings (pino resets the bindings formatter for children);
 * - `redactSecrets` runs on every logged object and matches key *names* at any depth:
 *   `authorization`, keys ending in `token` or `password` (`accessToken`, `dbPassword`)
 *   and keys containing `secret` (`s3SecretAccessKey`, `clientSecret`), which fixed paths cannot say.
 */

export const REDACTED = "[redacted]";

export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "password",
  "*.password",
  "secret",
  "*.secret",
];

const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    lower === "authorization" ||
    lower.endsWith("token") ||
    lower.endsWith("password") ||
    lower.includes("secret")
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy of `value` with secret keys censored; Errors, Buffers and class instances pass untouched. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out as T;
}
