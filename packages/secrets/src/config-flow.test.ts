import { randomBytes } from "node:crypto";
import { maskSecrets, mergeMasked, SECRET_MASK, validateConfig } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { decryptConfigSecrets, encryptConfigSecrets, rewrapConfigSecrets } from "./config-secrets.js";
import { Keyring } from "./keyring.js";
import { SecretCipher } from "./secret-cipher.js";

/**
 * The path a config takes once wired (docs/secrets.md), with the building blocks alone:
 * PUT (validate the plaintext, encrypt) -> stored row -> GET (mask) -> PUT with the mask
 * (merge, validate, encrypt) -> node (decrypt into ctx.config) -> rotation. Every stored or
 * returned form is searched byte for byte for the secret values.
 */

const schema = {
  type: "object",
  required: ["webhookUrl", "channel"],
  properties: {
    webhookUrl: { type: "string", pattern: "^https://", "x-secret": true },
    channel: { type: "string" },
    auth: { type: "object", properties: { apiToken: { type: "string", minLength: 8, writeOnly: true } } },
  },
};
const PLUGIN = "plugin_notify_q8w2e4";
const SECRETS = ["s3cr3t-webhook-path", "tok-9f8e7d6c5b4a"];
const first = {
  webhookUrl: `https://hooks.example/${SECRETS[0]}`,
  channel: "#ops",
  auth: { apiToken: SECRETS[1] },
};

function expectNoSecret(bytes: string) {
  for (const secret of SECRETS) expect(bytes).not.toContain(secret);
}

describe("a config with secrets, end to end through the building blocks", () => {
  const k1 = randomBytes(32);
  const cipher = new SecretCipher(new Keyring({ keys: [{ id: "k1", secret: k1 }], activeKey: "k1" }));

  it("is stored encrypted, shown masked, kept on a masked PUT, and decrypted for the plugin", () => {
    // PUT: the plaintext is validated, then encrypted before it is stored.
    expect(validateConfig(schema, first)).toEqual([]);
    const row = JSON.stringify(encryptConfigSecrets(cipher, schema, PLUGIN, first));
    expectNoSecret(row);

    // GET: masked, from the plaintext or from the stored row alike.
    const shown = maskSecrets(schema, JSON.parse(row) as Record<string, unknown>);
    expect(shown).toEqual({ webhookUrl: SECRET_MASK, channel: "#ops", auth: { apiToken: SECRET_MASK } });
    expectNoSecret(JSON.stringify(shown));

    // PUT with the masked values and a new channel: the plaintext is validated (decrypted in
    // memory), the stored ciphertexts are kept.
    const incoming = { ...shown, channel: "#general" };
    const stored = JSON.parse(row) as Record<string, unknown>;
    const plainMerged = mergeMasked(schema, incoming, decryptConfigSecrets(cipher, schema, PLUGIN, stored));
    expect(validateConfig(schema, plainMerged)).toEqual([]);
    const nextRow = JSON.stringify(
      encryptConfigSecrets(cipher, schema, PLUGIN, mergeMasked(schema, incoming, stored)),
    );
    expectNoSecret(nextRow);
    expect(JSON.parse(nextRow).webhookUrl).toBe(stored.webhookUrl);

    // The node: ctx.config gets the plaintext.
    expect(decryptConfigSecrets(cipher, schema, PLUGIN, JSON.parse(nextRow))).toEqual({
      ...first,
      channel: "#general",
    });
  });

  it("survives a key rotation, and the old key can then go", () => {
    const row = encryptConfigSecrets(cipher, schema, PLUGIN, first);
    const k2 = randomBytes(32);
    const both = new SecretCipher(
      new Keyring({
        keys: [
          { id: "k1", secret: k1 },
          { id: "k2", secret: k2 },
        ],
        activeKey: "k2",
      }),
    );
    const { config: rewrapped } = rewrapConfigSecrets(both, schema, PLUGIN, row);
    expectNoSecret(JSON.stringify(rewrapped));
    const onlyK2 = new SecretCipher(new Keyring({ keys: [{ id: "k2", secret: k2 }], activeKey: "k2" }));
    expect(decryptConfigSecrets(onlyK2, schema, PLUGIN, rewrapped)).toEqual(first);
  });
});
