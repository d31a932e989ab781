import { type Manifest, PluginStatus } from "@arcade/contracts";

/** What the dependency rules need of an installed plugin (a PluginRecord has it all). */
export interface DependencyPlugin {
  pluginId: string;
  name: string;
  version: string;
  isEnabled: PluginStatus;
  manifest: Pick<Manifest, "dependencies">;
}

/** The names a plugin depends on (in manifest order, each once). */
export function dependencyNames(plugin: {
  manifest: { dependencies?: readonly { name: string }[] };
}): string[] {
  return [...new Set((plugin.manifest.dependencies ?? []).map((d) => d.name))];
}

/**
 * Meant to run: enabled, or enabled and failing to load (status 2). Both count
 * as enabled for the dependency rules, so an error state never unlocks a disable.
 */
export function countsAsEnabled(plugin: { isEnabled: PluginStatus }): boolean {
  return plugin.isEnabled !== PluginStatus.Disabled;
}
