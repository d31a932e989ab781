import { LEGACY_NATIVE_PLUGIN_ERROR, type Manifest } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";

/**
 * A plugin adopted from a pre-refactor installation is a native `.so` build: nothing can load
 * it, so enabling, disabling or rolling back to it means nothing until an update with a real
 * package replaces it (that update restores its old enabled state).
 */
export function assertNotLegacy(plugin: PluginRecord, action: "enabled" | "disabled"): void {
  if (!plugin.legacy) return;
  throw new AppError(
    "PLUGIN_NOT_LOADED",
    `plugin ${plugin.pluginId} cannot be ${action}: ${LEGACY_NATIVE_PLUGIN_ERROR}`,
    {
      detail:
        `It is a native build of the pre-refactor server (${plugin.legacy.installPath ?? "no install path"}). ` +
        `Package it (manifest.json + an ES module entry point) and update it with PUT /api/v1/plugins/${plugin.pluginId}; ` +
        `the update brings back its old state (${plugin.legacy.isEnabled === 1 ? "enabled" : "disabled"}).`,
    },
  );
}

/** A retained version that is an old native build: there is no package to roll back to. */
export function assertNotLegacyVersion(plugin: PluginRecord, version: PluginVersionRecord): void {
  if (!version.legacy && version.objectKey !== "") return;
  throw new AppError(
    "VERSION_NOT_FOUND",
    `version ${version.version} of ${plugin.pluginId} is a legacy native build with no package to roll back to`,
    { detail: "Roll back to a version installed as a package, or update the plugin with a package." },
  );
}

/**
 * The columns an update with a real package changes besides the manifest's when it replaces an
 * adopted native plugin: the package's name (old names may break today's rule), the old enabled
 * state instead of the error, and no legacy record any more.
 */
export function replacedLegacyColumns(existing: PluginRecord, manifest: Manifest): Partial<PluginRecord> {
  if (!existing.legacy) return {};
  return { name: manifest.name, isEnabled: existing.legacy.isEnabled, error: null, legacy: null };
}
