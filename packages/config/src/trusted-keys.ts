import { createPublicKey, type KeyObject } from "node:crypto";
import type { TrustedKey } from "./arcade-config.js";
import type { ConfigIssue } from "./config-error.js";
import { formatPath } from "./config-keys.js";
import type { ConfigOrigins } from "./config-origins.js";
import type { FileConfig } from "./file-schema.js";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ALLOWED = "an ed25519 public key: PEM, or 32 raw bytes in base64";
const ENV_NAME = "ARCADE_SIGNATURE_TRUSTED_KEYS";
const PATH = ["signature", "trusted_keys"] as const;

type RawEntry = FileConfig["signature"]["trusted_keys"][number];

/** PEM or raw base64 -> ed25519 KeyObject; undefined if it is neither. */
function readEd25519(text: string): KeyObject | undefined {
  const trimmed = text.trim();
  try {
    if (trimmed.includes("-----BEGIN")) {
      const key = createPublicKey(trimmed);
      return key.asymmetricKeyType === "ed25519" ? key : undefined;
    }
    const raw = BASE64.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
    if (raw?.length !== 32) return undefined;
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
      format: "jwk",
    });
  } catch {
    return undefined;
  }
}

/**
 * Check every trusted key now (not at the first signed install) and hand them on as SPKI PEM.
 *
 * The keys of the file and of ARCADE_SIGNATURE_TRUSTED_KEYS are merged, unlike every other
 * key (where the env value replaces the file's): "trust one more key" is what an operator means
 * by either, and a replaced list silently untrusts the file's keys. Each key says where it came
 * from (`source`), so the start log can name both. One id with two different public keys is an
 * error; the same key in both places is kept once.
 */
export function resolveTrustedKeys(
  raw: FileConfig["signature"]["trusted_keys"],
  origins: ConfigOrigins,
): { keys: TrustedKey[]; issues: ConfigIssue[] } {
  const fromEnv = origins.sourceOf(...PATH) === "env";
  const issues: ConfigIssue[] = [];
  // With the env set, `raw` is the env's (validated) list and the file's list is still unread.
  const fileEntries = fromEnv ? fileList(origins, issues) : raw;
  const keys: TrustedKey[] = [];
  const byId = new Map<string, TrustedKey>();

  const add = (entry: RawEntry, i: number, source: "file" | "env") => {
    const issue = (field: "id" | "public_key", allowed: string): ConfigIssue =>
      source === "env"
        ? origins.issue([...PATH, i, field], allowed)
        : fileIssue(origins, [...PATH, i, field], allowed);
    const key = readEd25519(entry.public_key);
    if (!key) {
      issues.push(issue("public_key", ALLOWED));
      return;
    }
    const publicKey = key.export({ type: "spki", format: "pem" }).toString();
    const seen = byId.get(entry.id);
    if (seen) {
      if (seen.source === source) {
        issues.push(issue("id", "an id that no other key has"));
      } else if (seen.publicKey !== publicKey) {
        issues.push(
          issue(
            "id",
            `an id that no other key has: ${entry.id} is also in ${source === "env" ? origins.filePath : ENV_NAME} with another public key (keep one)`,
          ),
        );
      }
      return;
    }
    const trusted: TrustedKey = { id: entry.id, publicKey, source };
    byId.set(entry.id, trusted);
    keys.push(trusted);
  };
  for (const [i, entry] of fileEntries.entries()) add(entry, i, "file");
  if (fromEnv) for (const [i, entry] of raw.entries()) add(entry, i, "env");
  return { keys, issues };
}

/** The file's own [[signature.trusted_keys]] when the env also sets some: checked by hand, as validation saw only the env's. */
function fileList(origins: ConfigOrigins, issues: ConfigIssue[]): RawEntry[] {
  const value = origins.fromFile([...PATH]);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push(fileIssue(origins, [...PATH], "an array of tables [[signature.trusted_keys]]"));
    return [];
  }
  const entries: RawEntry[] = [];
  value.forEach((item: unknown, i) => {
    const entry = item as Partial<Record<string, unknown>> | null;
    const id = entry?.id;
    const publicKey = entry?.public_key;
    if (typeof id !== "string" || id === "") {
      issues.push(fileIssue(origins, [...PATH, i, "id"], "a non-empty string"));
    } else if (typeof publicKey !== "string" || publicKey === "") {
      issues.push(fileIssue(origins, [...PATH, i, "public_key"], ALLOWED));
    } else {
      entries.push({ id, public_key: publicKey });
    }
  });
  return entries;
}

/** An issue about the file's value even though the env sets the same key (origins.issue would blame the env). */
function fileIssue(origins: ConfigOrigins, segments: (string | number)[], allowed: string): ConfigIssue {
  const path = formatPath(segments);
  const value = JSON.stringify(origins.fromFile(segments)) ?? "undefined";
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return {
    key: path,
    env: ENV_NAME,
    source: "file",
    message: `${path}=${shown}${origins.where}: must be ${allowed}`,
  };
}
