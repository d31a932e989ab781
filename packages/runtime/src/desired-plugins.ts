import { PluginStatus } from "@arcade/contracts";
import { artifactKey, type PluginRepo } from "@arcade/core";
import type { DesiredPlugin } from "./reconciler.js";

/**
 * The enabled plugins at their current versions: what every node should have
 * loaded. Every event asks for it, so configs (and the signature stored with the
 * current version) are cached per plugin row: any
 * change of a plugin's config also moves its updateTime (configure, install,
 * update, rollback all set it), so one list query per event is enough.
 * Plugins adopted from a pre-refactor installation (`legacy`) are native `.so`
 * builds with no package to load: no node ever tries, until an update replaces them.
 */
export function desiredPluginsReader(plugins: PluginRepo): () => Promise<DesiredPlugin[]> {
  const configs = new Map<
    string,
    { stamp: string; config: Record<string, unknown> | null; signature: DesiredPlugin["signature"] }
  >();
  return async () => {
    const enabled = (await plugins.listAll()).filter(
      (p) => p.isEnabled !== PluginStatus.Disabled && !p.legacy,
    );
    const live = new Set(enabled.map((p) => p.pluginId));
    for (const id of configs.keys()) if (!live.has(id)) configs.delete(id);
    return Promise.all(
      enabled.map(async (p) => {
        const stamp = `${p.updateTime.getTime()}:${p.version}:${p.checksum}`;
        let cached = configs.get(p.pluginId);
        if (cached?.stamp !== stamp) {
          const [config, version] = await Promise.all([
            plugins.getConfig(p.pluginId),
            plugins.getVersion(p.pluginId, p.version),
          ]);
          // A version row without both fields counts as unsigned: the gate decides.
          const signature =
            version?.signature && version.signatureKeyId
              ? { keyId: version.signatureKeyId, signature: version.signature }
              : null;
          cached = { stamp, config, signature };
          configs.set(p.pluginId, cached);
        }
        return {
          pluginId: p.pluginId,
          version: p.version,
          checksum: p.checksum,
          objectKey: artifactKey(p.pluginId, p.version),
          manifest: p.manifest,
          config: cached.config,
          signature: cached.signature,
        };
      }),
    );
  };
}
