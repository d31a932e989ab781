import { hasSecretFields, type PluginRepo } from "@arcade/core";
import { rewrapConfigSecrets, type SecretCipher, secretKeyUsage } from "@arcade/secrets";

export interface RewrapReport {
  /** Plugins whose configSchema has secret fields and that have a stored config. */
  checked: number;
  /** Configs stored again (or that would be, in a dry run). */
  rewrapped: string[];
  /** Key ids the stored secrets use afterwards, with how many configs use each. */
  keysInUse: Record<string, number>;
  /** Configs still holding a secret in clear afterwards (only in a dry run). */
  inClear: number;
}

/**
 * Key rotation, step 3 (docs/secrets.md): every stored plugin config's secrets moved under the
 * active key (older keys' ciphertexts rewrapped, values still in clear encrypted), each change
 * committed with a revision bump so every node reloads the plugin with the new ciphertexts
 * before an old key is retired. The report says which keys the stored secrets still use.
 */
export async function rewrapStoredSecrets(
  plugins: PluginRepo,
  cipher: SecretCipher,
  options: { dryRun?: boolean; now?: () => Date } = {},
): Promise<RewrapReport> {
  const report: RewrapReport = { checked: 0, rewrapped: [], keysInUse: {}, inClear: 0 };
  for (const plugin of await plugins.listAll()) {
    if (!hasSecretFields(plugin.configSchema)) continue;
    const stored = await plugins.getConfig(plugin.pluginId);
    if (stored === null) continue;
    report.checked += 1;
    const { config, changed } = rewrapConfigSecrets(cipher, plugin.configSchema, plugin.pluginId, stored);
    const after = options.dryRun ? stored : config;
    if (changed) {
      report.rewrapped.push(plugin.pluginId);
      if (!options.dryRun) {
        await plugins.transaction(async (tx) => {
          await tx.setConfig(plugin.pluginId, config);
          await tx.updatePlugin(plugin.pluginId, { updateTime: (options.now ?? (() => new Date()))() });
          await tx.bumpRevision();
        });
      }
    }
    const usage = secretKeyUsage(plugin.configSchema, after);
    for (const id of usage.keyIds) report.keysInUse[id] = (report.keysInUse[id] ?? 0) + 1;
    if (usage.plaintext > 0) report.inClear += 1;
  }
  return report;
}
