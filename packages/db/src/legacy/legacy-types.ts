import { PLUGIN_TYPES, type PluginType } from "@arcade/contracts";

/**
 * Old plugin types and the type of this platform that has the same actions: deploy
 * plugins deploy and roll back (cd), build and test plugins are CI steps. Anything
 * else becomes `custom`; the old type stays visible in the plugin's `legacy.pluginType`.
 */
const OLD_TYPES: Readonly<Record<string, PluginType>> = {
  notify: "notify",
  deploy: "cd",
  build: "ci",
  test: "ci",
  custom: "custom",
};

export function mapLegacyType(oldType: string): { pluginType: PluginType; known: boolean } {
  const key = oldType.trim().toLowerCase();
  const mapped = OLD_TYPES[key] ?? (PLUGIN_TYPES as readonly string[]).find((t) => t === key);
  return mapped ? { pluginType: mapped as PluginType, known: true } : { pluginType: "custom", known: false };
}
