import type { FieldError } from "@arcade/contracts";
import { AppError, mapSecretValues, secretFields, valueAtPath } from "@arcade/core";
import { isEncryptedSecret, keyIdOf, type SecretCipher } from "./secret-cipher.js";

/**
 * A plugin's whole config, secret fields (configSchema `writeOnly` / `x-secret`, see
 * @arcade/core secretFields) encrypted or decrypted at once. Fields that are not secret are
 * never touched; each secret is bound to its plugin and its field (the pointer).
 */

type Config = Record<string, unknown>;

/**
 * The config to store: every secret value encrypted under the active key. A value that already
 * is a ciphertext of this plugin and field (kept by mergeMasked from the stored config) stays
 * as it is. A value that looks like a ciphertext but is not one of this field is refused with
 * CONFIG_INVALID: copying another plugin's stored secret must not work, not even by a client.
 * Validate the plaintext config against the schema before this (ciphertexts do not match it).
 */
export function encryptConfigSecrets(
  cipher: SecretCipher,
  schema: unknown,
  pluginId: string,
  config: Config,
): Config {
  const errors: FieldError[] = [];
  const out = mapSecretValues(schema, config, (value, field) => {
    const context = { pluginId, field: field.pointer };
    if (!isEncryptedSecret(value)) return cipher.encrypt(value, context);
    if (cipher.verifies(value, context)) return value;
    errors.push({
      path: field.pointer,
      message: "is an encrypted value of another plugin or field (or a changed one): send the value itself",
    });
    return value;
  });
  if (errors.length > 0) {
    throw new AppError("CONFIG_INVALID", "the config holds encrypted values that are not its own", {
      errors,
    });
  }
  return out;
}

/**
 * The config a plugin gets in `ctx.config`: every encrypted secret decrypted. A secret stored
 * in clear (before keys were configured) passes as it is; rewrapConfigSecrets encrypts it.
 * Throws SECRET_KEY_UNKNOWN or SECRET_DECRYPT_FAILED naming the field, never the value.
 */
export function decryptConfigSecrets(
  cipher: SecretCipher,
  schema: unknown,
  pluginId: string,
  config: Config,
): Config {
  return mapSecretValues(schema, config, (value, field) =>
    isEncryptedSecret(value) ? cipher.decrypt(value, { pluginId, field: field.pointer }) : value,
  );
}

/**
 * Key rotation for one config: every secret under the active key (ciphertexts of older keys
 * rewrapped, values still in clear encrypted). `changed` says whether anything needs storing.
 */
export function rewrapConfigSecrets(
  cipher: SecretCipher,
  schema: unknown,
  pluginId: string,
  config: Config,
): { config: Config; changed: boolean } {
  let changed = false;
  const out = mapSecretValues(schema, config, (value, field) => {
    const context = { pluginId, field: field.pointer };
    if (!isEncryptedSecret(value)) {
      changed = true;
      return cipher.encrypt(value, context);
    }
    const next = cipher.rewrap(value, context);
    if (next !== value) changed = true;
    return next;
  });
  return { config: out, changed };
}

/**
 * Ids of the keys this config's secrets are encrypted with, and whether any secret is still
 * in clear: what decides whether an old key may be retired.
 */
export function secretKeyUsage(schema: unknown, config: Config): { keyIds: string[]; plaintext: number } {
  const keyIds = new Set<string>();
  let plaintext = 0;
  for (const field of secretFields(schema)) {
    const value = valueAtPath(config, field.path);
    if (value === undefined) continue;
    const keyId = keyIdOf(value);
    if (keyId === undefined) plaintext++;
    else keyIds.add(keyId);
  }
  return { keyIds: [...keyIds], plaintext };
}
