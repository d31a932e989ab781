import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { readFile } from "node:fs/promises";
import { AppError } from "@arcade/core";

/** `<artifact>.sig.json`: a detached Ed25519 signature over the artifact's SHA-256 hex string. */
export interface SignatureFile {
  keyId: string;
  algorithm: "ed25519";
  sha256: string;
  /** base64 */
  signature: string;
}

export interface SigningKey {
  privateKeyPem: string;
  publicKeyPem: string;
  /** Raw 32-byte public key in base64: the one-line form `[[signature.trusted_keys]]` accepts. */
  publicKeyBase64: string;
  keyId: string;
}

/** A fresh Ed25519 key pair and the key id derived from its public key. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    publicKeyBase64: rawPublicKey(publicKey).toString("base64"),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * A stable default key id: the first 16 hex digits of the SHA-256 of the raw
 * public key, so the same key gets the same id wherever it is derived.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return `ed25519-${createHash("sha256").update(rawPublicKey(publicKey)).digest("hex").slice(0, 16)}`;
}

/** Signs the SHA-256 hex of an artifact with the Ed25519 private key in `keyFile` (PEM). */
export async function signDigest(sha256: string, keyFile: string, keyId?: string): Promise<SignatureFile> {
  let pem: string;
  try {
    pem = await readFile(keyFile, "utf8");
  } catch (error) {
    throw new AppError(
      "SIGNATURE_INVALID",
      `cannot read signing key ${keyFile}: ${(error as Error).message}`,
      {
        cause: error,
        detail: "create a key with `arcade-plugin keygen <prefix>` and pass its .key.pem file",
      },
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new AppError("SIGNATURE_INVALID", `${keyFile} is not a PEM private key`, {
      cause: error,
      detail: "create a key with `arcade-plugin keygen <prefix>` and pass its .key.pem file",
    });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new AppError(
      "SIGNATURE_INVALID",
      `${keyFile} is a ${privateKey.asymmetricKeyType ?? "unknown"} key; the platform verifies ed25519 only`,
      { detail: "create a key with `arcade-plugin keygen <prefix>`" },
    );
  }
  const signature = sign(null, Buffer.from(sha256, "utf8"), privateKey).toString("base64");
  return {
    keyId: keyId ?? keyIdOf(createPublicKey(privateKey)),
    algorithm: "ed25519",
    sha256,
    signature,
  };
}

/**
 * Checks a signature file against a public key (PEM, or raw 32 bytes in base64),
 * and, when given, against the SHA-256 the verifier computed itself.
 */
export function verifySignatureFile(sig: SignatureFile, publicKey: string, actualSha256?: string): boolean {
  if (sig.algorithm !== "ed25519") return false;
  if (actualSha256 !== undefined && actualSha256 !== sig.sha256) return false;
  const key = publicKey.includes("-----BEGIN")
    ? createPublicKey(publicKey)
    : createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey, "base64").toString("base64url") },
        format: "jwk",
      });
  return verify(null, Buffer.from(sig.sha256, "utf8"), key, Buffer.from(sig.signature, "base64"));
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new Error("not an OKP public key");
  return Buffer.from(jwk.x, "base64url");
}
