import { AppError } from "../errors/app-error.js";

/**
 * `<artifact>.sig.json` as the SDK writes it: a detached Ed25519 signature over
 * the artifact's SHA-256 hex string.
 */
export interface SignatureFile {
  keyId: string;
  algorithm: "ed25519";
  sha256: string;
  /** base64 */
  signature: string;
}

/** The part of a signature the policy needs (the digest is the one the platform computed). */
export interface ArtifactSignature {
  keyId: string;
  signature: string;
  algorithm?: string;
}

/** Reads a parsed `.sig.json`; anything that is not one is SIGNATURE_INVALID. */
export function parseSignatureFile(value: unknown): SignatureFile {
  const errors: { path: string; message: string }[] = [];
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  if (!record) {
    throw new AppError("SIGNATURE_INVALID", "the signature file is not a JSON object", {
      detail: "Sign with `arcade-plugin pack <dir> --sign <key.pem>` and send the .sig.json it writes.",
    });
  }
  const text = (name: string) => {
    const v = record[name];
    if (typeof v !== "string" || v.length === 0 || v.length > 512) {
      errors.push({ path: `/${name}`, message: "must be a non-empty string" });
      return "";
    }
    return v;
  };
  const keyId = text("keyId");
  const algorithm = text("algorithm");
  const sha256 = text("sha256").toLowerCase();
  const signature = text("signature");
  if (algorithm && algorithm !== "ed25519") errors.push({ path: "/algorithm", message: 'must be "ed25519"' });
  if (sha256 && !/^[0-9a-f]{64}$/.test(sha256)) {
    errors.push({ path: "/sha256", message: "must be a SHA-256 in hex" });
  }
  if (errors.length > 0)
    throw new AppError("SIGNATURE_INVALID", "the signature file is malformed", { errors });
  return { keyId, algorithm: "ed25519", sha256, signature };
}
