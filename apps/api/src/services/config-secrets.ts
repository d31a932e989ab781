import type { FieldError } from "@arcade/contracts";
import {
  AppError,
  formatFieldErrors,
  maskSecrets,
  mergeMasked,
  type PluginRecord,
  validateConfig,
} from "@arcade/core";
import { decryptConfigSecrets, encryptConfigSecrets, type SecretCipher } from "@arcade/secrets";

type Config = Record<string, unknown>;

/**
 * The API's side of config secrets (configSchema fields marked `writeOnly` / `x-secret`):
 * what a client sees of a config (every secret masked) and what a `PUT /config` stores (the
 * client's config with masked fields kept from the stored one, checked in clear, its secrets
 * sealed under the active key). Jobs carry and databases hold only the sealed form; the nodes
 * open it for the plugin (ctx.config). Without a keyring, secrets are still masked in every
 * answer but stored in clear (the start-up log warns).
 */
export class ConfigSecrets {
  constructor(private readonly cipher: SecretCipher | null) {}

  /** Whether secret values are encrypted before they are stored. */
  get sealing(): boolean {
    return this.cipher?.keyring.canEncrypt === true;
  }

  /** A config as a client may see it. */
  view(plugin: PluginRecord, config: Config): Config {
    return maskSecrets(plugin.configSchema, config);
  }

  /**
   * The config a configure job stores, from the client's `incoming` and the `stored` one;
   * 422 CONFIG_INVALID (every error) when it does not satisfy the plugin's configSchema, or
   * when it holds a ciphertext that is not this plugin's and field's own.
   */
  seal(plugin: PluginRecord, incoming: Config, stored: Config | null): Config {
    const { sealed, errors } = this.prepare(plugin, incoming, stored);
    if (errors.length > 0) {
      throw new AppError("CONFIG_INVALID", "the config does not satisfy the plugin's configSchema", {
        errors,
        detail: `Fix these fields and send the config again:\n${formatFieldErrors(errors)}`,
      });
    }
    return sealed;
  }

  /**
   * What seal() checks and stores, without refusing: the config sealed, the same config in
   * clear, and what the configSchema says of it (a dry run's plan lists those errors). Still
   * throws CONFIG_INVALID for a ciphertext that is not this plugin's and field's own.
   */
  prepare(
    plugin: PluginRecord,
    incoming: Config,
    stored: Config | null,
  ): { sealed: Config; clear: Config; errors: FieldError[] } {
    const schema = plugin.configSchema;
    const merged = mergeMasked(schema, incoming, stored);
    // Sealed first: a ciphertext copied from elsewhere is a client error (CONFIG_INVALID), found
    // here, before the decrypt below could take it for stored data gone bad.
    const sealed = this.sealing
      ? encryptConfigSecrets(this.cipher!, schema, plugin.pluginId, merged)
      : merged;
    const clear = this.cipher ? decryptConfigSecrets(this.cipher, schema, plugin.pluginId, sealed) : sealed;
    return { sealed, clear, errors: validateConfig(schema, clear) };
  }
}
