import { stdSerializers } from "pino";

/**
 * Three layers, because none covers everything alone:
 * - pino's `redact` (REDACT_PATHS) takes fixed paths and is the only hook that also sees
 *   child-logger bindings by key (pino resets the bindings formatter for children);
 * - `redactSecrets` runs on every logged object and matches key *names* at any depth, in
 *   arrays and in errors too: `authorization`, `cookie`, keys ending in `token`, `password`,
 *   `apiKey`, `privateKey`, `webhookUrl`... and keys containing `secret` (isSecretKey), which
 *   fixed paths cannot say;
 * - `redactValues` (redact-values.ts) runs on the finished line and catches values that look
 *   like credentials wherever they are: URL userinfo, `?token=`, `Bearer ...`, known token shapes.
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
  "apiKey",
  "*.apiKey",
  "webhookUrl",
  "*.webhookUrl",
  "cookie",
  "*.headers.cookie",
];

/** Deeper containers are replaced by TRUNCATED: copying them costs time and may hide secrets past the cap. */
export const MAX_DEPTH = 8;
/** Containers and values visited per logged object; the rest becomes TRUNCATED. */
export const MAX_NODES = 10_000;
export const TRUNCATED = "[truncated]";

/** Normalised names (lower case, no `-`/`_`) that are credentials whatever surrounds them. */
const SECRET_NAMES = new Set(["authorization", "proxyauthorization", "cookie", "setcookie"]);
/** Endings of normalised names: `accessToken`, `db_password`, `x-api-key`, `slackWebhookUrl`. */
const SECRET_ENDINGS = [
  "token",
  "password",
  "passwd",
  "apikey",
  "accesskey",
  "privatekey",
  "credential",
  "credentials",
  "webhookurl",
  "webhook",
];

/**
 * Whether a field of this name holds a credential, case-insensitively and whatever the
 * spelling (`api_key`, `apiKey`, `X-Api-Key`). Names containing `secret` always do.
 */
export function isSecretKey(key: string): boolean {
  const name = key.toLowerCase().replace(/[-_]/g, "");
  return (
    SECRET_NAMES.has(name) || name.includes("secret") || SECRET_ENDINGS.some((end) => name.endsWith(end))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with the values of secret keys censored, at any depth and in arrays.
 * Errors become pino's serialized form ({ type, message, stack, ...own fields }) so their
 * fields are censored too; Buffers and other class instances pass untouched. Past MAX_DEPTH
 * or MAX_NODES, containers become TRUNCATED: the cost is bounded and nothing passes unchecked.
 */
export function redactSecrets<T>(value: T): T {
  const budget = { nodes: MAX_NODES };
  return redactAt(value, 0, budget) as T;
}

function redactAt(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (value === null || typeof value !== "object") return value;
  // pino's serializer (type, message and stack with causes, own fields), as a plain copy.
  if (value instanceof Error) return redactAt({ ...stdSerializers.err(value) }, depth, budget);
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return value;
  if (depth >= MAX_DEPTH || --budget.nodes < 0) return TRUNCATED;
  if (isArray) return value.map((item) => redactAt(item, depth + 1, budget));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactAt(item, depth + 1, budget);
  }
  return out;
}
