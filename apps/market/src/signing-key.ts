import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import { ed25519KeyId, parseEd25519PrivateKey } from "@arcade/core";

/** The key the market signs what it publishes with. */
export interface MarketSigner {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  /** The 32 raw public key bytes in base64: the one-line form `[[signature.trusted_keys]]` takes. */
  publicKeyBase64: string;
}

export function signerFromKey(privateKey: KeyObject, keyId?: string): MarketSigner {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  return {
    keyId: keyId ?? ed25519KeyId(publicKey),
    privateKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    publicKeyBase64: Buffer.from(jwk.x ?? "", "base64url").toString("base64"),
  };
}

export function generateSigner(keyId?: string): MarketSigner {
  return signerFromKey(generateKeyPairSync("ed25519").privateKey, keyId);
}

/**
 * The signing key from a PKCS#8 PEM file. A path that does not exist yet gets a
 * fresh key written to it (0600), so a local market keeps its key, and the
 * platform's trust in it, across restarts. `generated` tells which happened.
 */
export async function loadOrCreateSigner(
  file: string,
  keyId?: string,
): Promise<{ signer: MarketSigner; generated: boolean }> {
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const signer = generateSigner(keyId);
    await writeFile(file, signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), {
      mode: 0o600,
      flag: "wx",
    });
    return { signer, generated: true };
  }
  const key = parseEd25519PrivateKey(await readFile(file, "utf8"));
  if (!key) {
    throw new Error(
      `${file} is not an Ed25519 private key in PEM: create one with \`arcade-plugin keygen <prefix>\``,
    );
  }
  return { signer: signerFromKey(key, keyId), generated: false };
}
