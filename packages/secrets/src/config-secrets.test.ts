import { randomBytes } from "node:crypto";
import { AppError, maskSecrets, mergeMasked, SECRET_MASK } from "@arcade/core";
import { describe, expect, it } from "vitest";
import {
  decryptConfigSecrets,
  encryptConfigSecrets,
  rewrapConfigSecrets,
  secretKeyUsage,
} from "./config-secrets.js";
import { Keyring } from "./keyring.js";
import { isEncryptedSecret, keyIdOf, SecretCipher } from "./secret-cipher.js";

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const cipher1 = new SecretCipher(new Keyring({ keys: [{ id: "k1", secret: k1 }], activeKey: "k1" }));
const cipher12 = new SecretCipher(
  new Keyring({
    keys: [
      { id: "k1", secret: k1 },
      { id: "k2", secret: k2 },
    ],
    activeKey: "k2",
  }),
);

const schema = {
  type: "object",
  properties: {
    webhookUrl: { type: "string", "x-secret": true },
    channel: { type: "string" },
    slack: { type: "object", properties: { token: { type: "string", writeOnly: true } } },
  },
};
const PLUGIN = "plugin_slack_k3x9q2";
const plain = {
  webhookUrl: "https://hooks.example/secret-1",
  channel: "#ops",
  slack: { token: "xoxb-secret-2" },
};

describe("encryptConfigSecrets / decryptConfigSecrets", () => {
  it("encrypts the secret fields only, each bound to its plugin and field, and decrypts them back", () => {
    const stored = encryptConfigSecrets(cipher1, schema, PLUGIN, plain);
    expect(stored.channel).toBe("#ops");
    expect(isEncryptedSecret(stored.webhookUrl)).toBe(true);
    expect(isEncryptedSecret((stored.slack as { token: unknown }).token)).toBe(true);
    expect(JSON.stringify(stored)).not.toMatch(/secret-\d/);
    expect(decryptConfigSecrets(cipher1, schema, PLUGIN, stored)).toEqual(plain);
    expect(plain.webhookUrl).toBe("https://hooks.example/secret-1");
  });

  it("keeps a stored ciphertext sent back through mergeMasked as it is (PUT with the mask)", () => {
    const stored = encryptConfigSecrets(cipher1, schema, PLUGIN, plain);
    const incoming: Record<string, unknown> = { ...maskSecrets(schema, plain), channel: "#general" };
    expect(incoming.webhookUrl).toBe(SECRET_MASK);
    const next = encryptConfigSecrets(cipher1, schema, PLUGIN, mergeMasked(schema, incoming, stored));
    expect(next.webhookUrl).toBe(stored.webhookUrl);
    expect(decryptConfigSecrets(cipher1, schema, PLUGIN, next)).toEqual({ ...plain, channel: "#general" });
  });

  it("refuses a ciphertext of another plugin or field sent as a value (CONFIG_INVALID, 422)", () => {
    const other = encryptConfigSecrets(cipher1, schema, "plugin_other_aaaaaa", plain);
    try {
      encryptConfigSecrets(cipher1, schema, PLUGIN, { webhookUrl: other.webhookUrl });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("CONFIG_INVALID");
      expect((error as AppError).status).toBe(422);
      expect((error as AppError).errors.map((e) => e.path)).toEqual(["/webhookUrl"]);
    }
  });

  it("refuses to decrypt a secret moved between fields of the same plugin", () => {
    const stored = encryptConfigSecrets(cipher1, schema, PLUGIN, plain);
    const moved = { ...stored, webhookUrl: (stored.slack as { token: string }).token };
    expect(() => decryptConfigSecrets(cipher1, schema, PLUGIN, moved)).toThrow(/\/webhookUrl/);
  });

  it("passes a secret still in clear (stored before keys were configured)", () => {
    expect(decryptConfigSecrets(cipher1, schema, PLUGIN, plain)).toEqual(plain);
  });
});

describe("rewrapConfigSecrets and secretKeyUsage (rotation of a stored config)", () => {
  it("moves every secret to the active key and encrypts the ones in clear", () => {
    const underK1 = encryptConfigSecrets(cipher1, schema, PLUGIN, { ...plain, slack: {} });
    const mixed = { ...underK1, slack: { token: "xoxb-secret-2" } };
    expect(secretKeyUsage(schema, mixed)).toEqual({ keyIds: ["k1"], plaintext: 1 });

    const { config, changed } = rewrapConfigSecrets(cipher12, schema, PLUGIN, mixed);
    expect(changed).toBe(true);
    expect(secretKeyUsage(schema, config)).toEqual({ keyIds: ["k2"], plaintext: 0 });
    expect(keyIdOf(config.webhookUrl)).toBe("k2");
    expect(decryptConfigSecrets(cipher12, schema, PLUGIN, config)).toEqual(plain);

    expect(rewrapConfigSecrets(cipher12, schema, PLUGIN, config)).toEqual({ config, changed: false });
  });
});
