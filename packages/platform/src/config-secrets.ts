import type { ArcadeConfig } from "@arcade/config";
import type { Manifest } from "@arcade/contracts";
import { hasSecretFields } from "@arcade/core";
import { decryptConfigSecrets, Keyring, SecretCipher } from "@arcade/secrets";

/**
 * The cipher of config secrets from `[secrets]` (keys and the active key), or null when no key
 * is configured: then secret values are masked in answers but stored in clear. The API seals
 * with it (PUT /config), the nodes open with it (ctx.config); the worker never needs it.
 */
export function configSecretCipher(config: Pick<ArcadeConfig, "secrets">): SecretCipher | null {
  const { keys, activeKey } = config.secrets;
  if (keys.length === 0) return null;
  return new SecretCipher(new Keyring({ keys, activeKey }));
}

/** The start-up warning when secrets cannot be sealed, or null. */
export function configSecretsWarning(cipher: SecretCipher | null): string | null {
  if (cipher?.keyring.canEncrypt) return null;
  return "secrets.keys is not set: plugin config secrets (writeOnly / x-secret fields) are masked in answers but stored in clear (docs/secrets.md)";
}

/**
 * What a node's plugin host opens a stored config with (PluginHostOptions.openConfig): every
 * sealed secret decrypted with this node's keys. A node without the key of a sealed value
 * fails that plugin's load with SECRET_KEY_UNKNOWN, naming the field, never the value.
 */
export function configOpener(cipher: SecretCipher | null) {
  const opener = cipher ?? new SecretCipher(new Keyring({ keys: [], activeKey: "" }));
  return (plugin: { pluginId: string; manifest: Manifest }, config: Record<string, unknown>) =>
    hasSecretFields(plugin.manifest.configSchema)
      ? decryptConfigSecrets(opener, plugin.manifest.configSchema, plugin.pluginId, config)
      : config;
}
