import { describe, expect, it } from "vitest";
import type { AppError } from "../errors/app-error.js";
import { parseSignatureFile } from "./signature-file.js";

const good = {
  keyId: "ed25519-0011223344556677",
  algorithm: "ed25519",
  sha256: "A".repeat(64),
  signature: "c2ln",
};

describe("parseSignatureFile", () => {
  it("reads the SDK's .sig.json and lower-cases the digest", () => {
    expect(parseSignatureFile(good)).toEqual({ ...good, sha256: "a".repeat(64) });
  });

  it("rejects anything else as SIGNATURE_INVALID with field errors", () => {
    for (const bad of [null, "x", { ...good, algorithm: "rsa" }, { ...good, sha256: "zz" }, { keyId: "k" }]) {
      try {
        parseSignatureFile(bad);
        expect.unreachable();
      } catch (error) {
        expect((error as AppError).code).toBe("SIGNATURE_INVALID");
      }
    }
  });
});
