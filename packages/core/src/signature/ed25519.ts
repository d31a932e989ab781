import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * An Ed25519 public key from SPKI PEM or from its 32 raw bytes in base64 (the
 * one-line form the SDK's keygen prints); null when the text is neither.
 */
export function parseEd25519PublicKey(text: string): KeyObject | null {
  const trimmed = text.trim();
  try {
    if (trimmed.includes("-----BEGIN")) {
      const key = createPublicKey(trimmed);
      return key.asymmetricKeyType === "ed25519" ? key : null;
    }
    if (!BASE64.test(trimmed)) return null;
    const raw = Buffer.from(trimmed, "base64");
    if (raw.length !== 32) return null;
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
      format: "jwk",
    });
  } catch {
    return null;
  }
}

/** An Ed25519 private key from PKCS#8 PEM; null when the text is not one. */
export function parseEd25519PrivateKey(pem: string): KeyObject | null {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === "ed25519" ? key : null;
  } catch {
    return null;
  }
}

/**
 * The key id the SDK derives (`ed25519-` + the first 16 hex digits of the SHA-256
 * of the raw public key), so a publisher, the market and the platform name the
 * same key the same way.
 */
export function ed25519KeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new Error("not an Ed25519 public key");
  const raw = Buffer.from(jwk.x, "base64url");
  return `ed25519-${createHash("sha256").update(raw).digest("hex").slice(0, 16)}`;
}

/**
 * Signs an artifact's digest. What is signed is the lowercase SHA-256 hex string
 * as UTF-8 bytes (not the 32 digest bytes): the SDK's `pack --sign` does the same.
 */
export function signSha256Hex(sha256: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(sha256.toLowerCase(), "utf8"), privateKey).toString("base64");
}

/** True when `signature` (base64) is a valid Ed25519 signature of the SHA-256 hex string. */
export function verifySha256Hex(sha256: string, signature: string, publicKey: KeyObject): boolean {
  const digest = sha256.toLowerCase();
  if (!SHA256_HEX.test(digest)) return false;
  const trimmed = signature.trim();
  if (!BASE64.test(trimmed)) return false;
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length !== 64) return false;
  try {
    return verify(null, Buffer.from(digest, "utf8"), publicKey, bytes);
  } catch {
    return false;
  }
}
