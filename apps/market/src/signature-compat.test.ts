import { createHash, createPublicKey } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519KeyId, parseEd25519PrivateKey, SignaturePolicy, signSha256Hex } from "@arcade/core";
import { generateSigningKey, keyIdOf, signDigest, verifySignatureFile } from "@arcade/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The SDK signs (arcade-plugin pack --sign) and the platform verifies (core): they must agree.
describe("SDK signing and core verification agree", () => {
  let dir: string;
  const key = generateSigningKey();
  const sha256 = createHash("sha256").update("a plugin zip").digest("hex");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arcade-sigcompat-"));
    await writeFile(join(dir, "publisher.key.pem"), key.privateKeyPem);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("derives the same key id", () => {
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(ed25519KeyId(publicKey)).toBe(key.keyId);
    expect(keyIdOf(publicKey)).toBe(key.keyId);
  });

  it("core's policy accepts what the SDK signs, with the key as PEM or raw base64", async () => {
    const sig = await signDigest(sha256, join(dir, "publisher.key.pem"));
    for (const publicKey of [key.publicKeyPem, key.publicKeyBase64]) {
      const policy = new SignaturePolicy({
        requireSignature: true,
        trustedKeys: [{ id: key.keyId, publicKey }],
        revokedKeys: [],
      });
      expect(policy.check({ source: "local", sha256, signature: sig })).toBe(key.keyId);
    }
  });

  it("the SDK's verifier accepts what core signs, and both refuse another digest", () => {
    const privateKey = parseEd25519PrivateKey(key.privateKeyPem)!;
    const sig = {
      keyId: key.keyId,
      algorithm: "ed25519" as const,
      sha256,
      signature: signSha256Hex(sha256, privateKey),
    };
    expect(verifySignatureFile(sig, key.publicKeyPem, sha256)).toBe(true);
    const other = createHash("sha256").update("another zip").digest("hex");
    expect(verifySignatureFile({ ...sig, sha256: other }, key.publicKeyPem)).toBe(false);
  });
});
