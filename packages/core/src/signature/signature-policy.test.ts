import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { ed25519KeyId, signSha256Hex } from "./ed25519.js";
import { SignaturePolicy, type SignatureSettings } from "./signature-policy.js";

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    rawBase64: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64"),
    keyId: ed25519KeyId(publicKey),
  };
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

const publisher = keyPair();
const stranger = keyPair();
const artifact = sha("artifact bytes");

function policy(over: Partial<SignatureSettings> = {}): SignaturePolicy {
  return new SignaturePolicy({
    requireSignature: false,
    trustedKeys: [{ id: publisher.keyId, publicKey: publisher.publicKeyPem }],
    revokedKeys: [],
    ...over,
  });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  throw new Error("expected an AppError");
}

const signed = (sha256: string, by = publisher, keyId = by.keyId) => ({
  keyId,
  signature: signSha256Hex(sha256, by.privateKey),
});

describe("SignaturePolicy", () => {
  it("accepts a valid signature by a trusted key and returns its id", () => {
    expect(policy().check({ source: "market", sha256: artifact, signature: signed(artifact) })).toBe(
      publisher.keyId,
    );
  });

  it("accepts a trusted key given as raw base64 and an upper-case digest", () => {
    const p = policy({ trustedKeys: [{ id: "raw", publicKey: publisher.rawBase64 }] });
    const sig = signed(artifact, publisher, "raw");
    expect(p.check({ source: "local", sha256: artifact.toUpperCase(), signature: sig })).toBe("raw");
  });

  it("rejects a signature over another digest (tampered artifact) as SIGNATURE_INVALID", () => {
    const sig = signed(sha("the original"));
    expect(codeOf(() => policy().check({ source: "market", sha256: artifact, signature: sig }))).toBe(
      "SIGNATURE_INVALID",
    );
  });

  it("rejects a signature made by another key under a trusted id as SIGNATURE_INVALID", () => {
    const forged = signed(artifact, stranger, publisher.keyId);
    expect(codeOf(() => policy().check({ source: "market", sha256: artifact, signature: forged }))).toBe(
      "SIGNATURE_INVALID",
    );
  });

  it("rejects garbage and a wrong algorithm as SIGNATURE_INVALID", () => {
    const p = policy();
    for (const signature of ["", "not base64!", Buffer.alloc(64).toString("base64"), "AAAA"]) {
      expect(
        codeOf(() =>
          p.check({ source: "market", sha256: artifact, signature: { keyId: publisher.keyId, signature } }),
        ),
      ).toBe("SIGNATURE_INVALID");
    }
    const rsa = { ...signed(artifact), algorithm: "rsa" };
    expect(codeOf(() => p.check({ source: "market", sha256: artifact, signature: rsa }))).toBe(
      "SIGNATURE_INVALID",
    );
  });

  it("rejects a key id it does not trust as KEY_UNTRUSTED, naming the key", () => {
    try {
      policy().check({ source: "market", sha256: artifact, signature: signed(artifact, stranger) });
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe("KEY_UNTRUSTED");
      expect((error as AppError).extras.keyId).toBe(stranger.keyId);
    }
  });

  it("rejects a revoked key as KEY_REVOKED, even while it is still listed as trusted", () => {
    const p = policy({ revokedKeys: [publisher.keyId] });
    expect(codeOf(() => p.check({ source: "market", sha256: artifact, signature: signed(artifact) }))).toBe(
      "KEY_REVOKED",
    );
    const removed = policy({ trustedKeys: [], revokedKeys: [publisher.keyId] });
    expect(
      codeOf(() => removed.check({ source: "local", sha256: artifact, signature: signed(artifact) })),
    ).toBe("KEY_REVOKED");
  });

  it("always requires a signature on market installs", () => {
    expect(codeOf(() => policy().check({ source: "market", sha256: artifact, signature: null }))).toBe(
      "SIGNATURE_MISSING",
    );
  });

  it("lets unsigned local uploads through unless require_signature is on", () => {
    expect(policy().check({ source: "local", sha256: artifact, signature: null })).toBeNull();
    const strict = policy({ requireSignature: true });
    expect(codeOf(() => strict.check({ source: "local", sha256: artifact, signature: null }))).toBe(
      "SIGNATURE_MISSING",
    );
    expect(strict.check({ source: "local", sha256: artifact, signature: signed(artifact) })).toBe(
      publisher.keyId,
    );
  });

  it("still checks a signature that a local upload sends without being required to", () => {
    expect(
      codeOf(() =>
        policy().check({ source: "local", sha256: artifact, signature: signed(artifact, stranger) }),
      ),
    ).toBe("KEY_UNTRUSTED");
  });

  describe("checkStored (a node's load, a rollback)", () => {
    const stored = (over: Partial<{ sha256: string; signature: ReturnType<typeof signed> | null }> = {}) => ({
      pluginId: "plugin_x_abc123",
      version: "1.0.0",
      sha256: artifact,
      signature: signed(artifact),
      ...over,
    });

    it("accepts a stored signature by a trusted key and returns its id", () => {
      expect(policy().checkStored(stored())).toBe(publisher.keyId);
    });

    it("refuses a version whose key this process revoked, naming the version", () => {
      try {
        policy({ revokedKeys: [publisher.keyId] }).checkStored(stored());
        expect.unreachable();
      } catch (error) {
        expect((error as AppError).code).toBe("KEY_REVOKED");
        expect((error as AppError).message).toMatch(/^plugin_x_abc123@1\.0\.0: .*revoked/);
        expect((error as AppError).extras).toMatchObject({ keyId: publisher.keyId, version: "1.0.0" });
      }
    });

    it("refuses a stored signature that does not match the stored checksum (a tampered row)", () => {
      expect(codeOf(() => policy().checkStored(stored({ sha256: sha("other bytes") })))).toBe(
        "SIGNATURE_INVALID",
      );
      const tampered = { keyId: publisher.keyId, signature: signed(sha("x")).signature };
      expect(codeOf(() => policy().checkStored(stored({ signature: tampered })))).toBe("SIGNATURE_INVALID");
      expect(codeOf(() => policy().checkStored(stored({ signature: signed(artifact, stranger) })))).toBe(
        "KEY_UNTRUSTED",
      );
    });

    it("loads an unsigned version only while require_signature is off, whatever its source", () => {
      expect(policy().checkStored(stored({ signature: null }))).toBeNull();
      expect(codeOf(() => policy({ requireSignature: true }).checkStored(stored({ signature: null })))).toBe(
        "SIGNATURE_MISSING",
      );
    });
  });

  it("refuses to start with a trusted key that is not an Ed25519 public key", () => {
    expect(() => policy({ trustedKeys: [{ id: "bad", publicKey: "nope" }] })).toThrow(/bad/);
  });
});
