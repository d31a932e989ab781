import type { ObjectStore } from "../ports/object-store.js";
import type { PluginRepo } from "../ports/plugin-repo.js";
import { artifactKey, pluginPrefix } from "./object-keys.js";

/**
 * Deletes every object under a plugin's prefix that no retained version row
 * references (all of them when the plugin is gone). Idempotent, so a retried
 * or compensating job can always run it; jobs on one plugin never
 * overlap, so nothing in use can be swept. The current version's object is
 * kept even if its version row were missing: losing it would leave nodes
 * nothing to load.
 */
export async function sweepPluginObjects(
  store: ObjectStore,
  plugins: PluginRepo,
  pluginId: string,
): Promise<number> {
  const plugin = await plugins.findById(pluginId);
  if (!plugin) return store.deleteByPrefix(pluginPrefix(pluginId));
  const keep = new Set((await plugins.versions(pluginId)).map((v) => v.objectKey));
  keep.add(artifactKey(pluginId, plugin.version));
  const objects = await store.list(pluginPrefix(pluginId));
  let deleted = 0;
  for (const object of objects) {
    if (keep.has(object.key)) continue;
    await store.delete(object.key);
    deleted++;
  }
  return deleted;
}
