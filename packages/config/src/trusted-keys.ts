import { createPublicKey, type KeyObject } from "node:crypto";
import type { TrustedKey } from "./arcade-config.js";
import type { ConfigIssue } from "./config-error.js";
import type { ConfigOrigins } from "./config-origins.js";
import type { FileConfig } from "./file-schema.js";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ALLOWED = "an ed25519 public key: PEM, or 32 raw bytes in base64";

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

/** Check every trusted key now (not at the first signed install) and hand them on as SPKI PEM. */
export function resolveTrustedKeys(
  raw: FileConfig["signature"]["trusted_keys"],
  origins: ConfigOrigins,
): { keys: TrustedKey[]; issues: ConfigIssue[] } {
  const keys: TrustedKey[] = [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    if (seen.has(entry.id)) {
      issues.push(origins.issue(["signature", "trusted_keys", i, "id"], "an id that no other key has"));
      return;
    }
    seen.add(entry.id);
    const key = readEd25519(entry.public_key);
    if (!key) {
      issues.push(origins.issue(["signature", "trusted_keys", i, "public_key"], ALLOWED));
      return;
    }
    keys.push({ id: entry.id, publicKey: key.export({ type: "spki", format: "pem" }).toString() });
  });
  return { keys, issues };
}
