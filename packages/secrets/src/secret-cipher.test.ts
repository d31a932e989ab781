import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { Keyring } from "./keyring.js";
import { CIPHERTEXT_PREFIX, isEncryptedSecret, keyIdOf, SecretCipher } from "./secret-cipher.js";

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ctx = { pluginId: "plugin_slack_k3x9q2", field: "/webhookUrl" };
const SECRET = "https://hooks.slack.com/services/T0/B0/very-secret";

function cipherWith(keys: [string, Buffer][], activeKey: string) {
  return new SecretCipher(new Keyring({ keys: keys.map(([id, secret]) => ({ id, secret })), activeKey }));
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

/** The ciphertext's bytes with one bit flipped at `index` (negative: from the end). */
function flipped(ciphertext: string, index: number): string {
  const [, , , keyId, body] = ciphertext.split(":");
  const bytes = Buffer.from(body!, "base64url");
  const at = index < 0 ? bytes.length + index : index;
  bytes[at]! ^= 0x01;
  return `${CIPHERTEXT_PREFIX}${keyId}:${bytes.toString("base64url")}`;
}

describe("SecretCipher", () => {
  const cipher = cipherWith([["k1", k1]], "k1");

  it("round-trips any JSON value through a self-describing string without the plaintext in it", () => {
    for (const value of [SECRET, "", 1234, true, null, { user: "ann", pass: "pw" }, ["a", 1]]) {
      const ciphertext = cipher.encrypt(value, ctx);
      expect(ciphertext).toMatch(/^arcade:enc:v1:k1:[A-Za-z0-9_-]+$/);
      expect(isEncryptedSecret(ciphertext)).toBe(true);
      expect(keyIdOf(ciphertext)).toBe("k1");
      expect(cipher.decrypt(ciphertext, ctx)).toEqual(value);
    }
    expect(cipher.encrypt(SECRET, ctx)).not.toContain("hooks.slack");
  });

  it("uses a fresh data key and nonce each time: equal values give different ciphertexts", () => {
    expect(cipher.encrypt(SECRET, ctx)).not.toBe(cipher.encrypt(SECRET, ctx));
  });

  it("refuses a tampered ciphertext, wherever the change is", () => {
    const ciphertext = cipher.encrypt(SECRET, ctx);
    // wrapped key (nonce, key, tag), value nonce, value, value tag
    for (const index of [0, 20, 59, 60, 75, -17, -1]) {
      expect(codeOf(() => cipher.decrypt(flipped(ciphertext, index), ctx))).toBe("SECRET_DECRYPT_FAILED");
    }
    expect(codeOf(() => cipher.decrypt(ciphertext.slice(0, -4), ctx))).toBe("SECRET_DECRYPT_FAILED");
    expect(codeOf(() => cipher.decrypt(`${CIPHERTEXT_PREFIX}k1:AAAA`, ctx))).toBe("SECRET_DECRYPT_FAILED");
    expect(codeOf(() => cipher.decrypt("not a ciphertext", ctx))).toBe("SECRET_DECRYPT_FAILED");
  });

  it("refuses a ciphertext moved to another plugin or another field (AAD)", () => {
    const ciphertext = cipher.encrypt(SECRET, ctx);
    expect(codeOf(() => cipher.decrypt(ciphertext, { ...ctx, pluginId: "plugin_other_aaaaaa" }))).toBe(
      "SECRET_DECRYPT_FAILED",
    );
    expect(codeOf(() => cipher.decrypt(ciphertext, { ...ctx, field: "/channel" }))).toBe(
      "SECRET_DECRYPT_FAILED",
    );
    expect(cipher.verifies(ciphertext, ctx)).toBe(true);
    expect(cipher.verifies(ciphertext, { ...ctx, field: "/other" })).toBe(false);
  });

  it("refuses a ciphertext whose key id was swapped, even for a key it holds", () => {
    const both = cipherWith(
      [
        ["k1", k1],
        ["k2", k1],
      ],
      "k1",
    );
    const ciphertext = both.encrypt(SECRET, ctx);
    const swapped = ciphertext.replace(":k1:", ":k2:");
    expect(codeOf(() => both.decrypt(swapped, ctx))).toBe("SECRET_DECRYPT_FAILED");
  });

  it("says SECRET_KEY_UNKNOWN for a key it does not hold, and names the key, not the value", () => {
    const ciphertext = cipherWith([["old", k2]], "old").encrypt(SECRET, ctx);
    try {
      cipher.decrypt(ciphertext, ctx);
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe("SECRET_KEY_UNKNOWN");
      expect((error as AppError).message).toContain('"old"');
      expect(JSON.stringify({ ...(error as AppError), message: (error as AppError).message })).not.toContain(
        "very-secret",
      );
    }
  });

  it("says SECRET_DECRYPT_FAILED for the right id with the wrong key bytes", () => {
    const ciphertext = cipher.encrypt(SECRET, ctx);
    expect(codeOf(() => cipherWith([["k1", k2]], "k1").decrypt(ciphertext, ctx))).toBe(
      "SECRET_DECRYPT_FAILED",
    );
  });

  it("cannot encrypt without an active key", () => {
    const none = cipherWith([["k1", k1]], "");
    expect(none.keyring.canEncrypt).toBe(false);
    expect(codeOf(() => none.encrypt(SECRET, ctx))).toBe("SECRET_KEY_UNKNOWN");
    expect(
      codeOf(() => new SecretCipher(new Keyring({ keys: [], activeKey: "" })).encrypt(SECRET, ctx)),
    ).toBe("SECRET_KEY_UNKNOWN");
  });
});

describe("key rotation", () => {
  it("add a key, make it active, rewrap, retire the old one", () => {
    const before = cipherWith([["k1", k1]], "k1");
    const stored = before.encrypt(SECRET, ctx);

    // 1. the new key is listed and active; the old one stays listed
    const during = cipherWith(
      [
        ["k1", k1],
        ["k2", k2],
      ],
      "k2",
    );
    expect(during.decrypt(stored, ctx)).toBe(SECRET);
    expect(keyIdOf(during.encrypt("new", ctx))).toBe("k2");
    expect(during.needsRewrap(stored)).toBe(true);

    // 2. rewrap: only the wrapped data key changes
    const rewrapped = during.rewrap(stored, ctx);
    expect(keyIdOf(rewrapped)).toBe("k2");
    expect(during.needsRewrap(rewrapped)).toBe(false);
    expect(during.rewrap(rewrapped, ctx)).toBe(rewrapped);
    const body = (c: string) => Buffer.from(c.split(":")[4]!, "base64url").subarray(60);
    expect(body(rewrapped).equals(body(stored))).toBe(true);

    // 3. the old key retired: rewrapped values still decrypt, unrewrapped ones name the missing key
    const after = cipherWith([["k2", k2]], "k2");
    expect(after.decrypt(rewrapped, ctx)).toBe(SECRET);
    expect(codeOf(() => after.decrypt(stored, ctx))).toBe("SECRET_KEY_UNKNOWN");
  });

  it("rewrap checks the value and its binding, like decrypt", () => {
    const during = cipherWith(
      [
        ["k1", k1],
        ["k2", k2],
      ],
      "k2",
    );
    const stored = cipherWith([["k1", k1]], "k1").encrypt(SECRET, ctx);
    expect(codeOf(() => during.rewrap(flipped(stored, -1), ctx))).toBe("SECRET_DECRYPT_FAILED");
    expect(codeOf(() => during.rewrap(stored, { ...ctx, field: "/x" }))).toBe("SECRET_DECRYPT_FAILED");
  });
});

describe("Keyring", () => {
  it("refuses keys of the wrong size, bad or repeated ids, and an active key it does not hold", () => {
    expect(() => new Keyring({ keys: [{ id: "k1", secret: randomBytes(16) }], activeKey: "k1" })).toThrow(
      "16 bytes",
    );
    expect(() => new Keyring({ keys: [{ id: "a:b", secret: k1 }], activeKey: "" })).toThrow("is not 1 to 64");
    expect(
      () =>
        new Keyring({
          keys: [
            { id: "k1", secret: k1 },
            { id: "k1", secret: k2 },
          ],
          activeKey: "k1",
        }),
    ).toThrow("listed twice");
    expect(() => new Keyring({ keys: [{ id: "k1", secret: k1 }], activeKey: "k2" })).toThrow(
      "not among the keys",
    );
  });

  it("shows no key material when logged or inspected", () => {
    const keyring = new Keyring({ keys: [{ id: "k1", secret: k1 }], activeKey: "k1" });
    const text = `${inspect(keyring, { depth: 10, showHidden: true })}${JSON.stringify(keyring)}`;
    expect(text).not.toContain(k1.toString("hex"));
    expect(text).not.toContain(k1.toString("base64"));
    expect(keyring.keyIds).toEqual(["k1"]);
  });
});
