import type { Manifest, PluginSource, PluginStatus } from "@arcade/contracts";
import type { PluginRecord } from "../ports/plugin-repo.js";
import { replacedLegacyColumns } from "./legacy-plugin.js";
import { artifactKey } from "./object-keys.js";

/** The manifest-derived columns of t_plugin for one version. */
export function manifestColumns(manifest: Manifest, checksum: string, pluginId: string) {
  return {
    version: manifest.version,
    description: manifest.description ?? "",
    author: manifest.author ?? "",
    pluginType: manifest.pluginType,
    entryPoint: manifest.entryPoint,
    configSchema: manifest.configSchema ?? null,
    paramsSchema: manifest.paramsSchema ?? null,
    defaultConfig: manifest.defaultConfig ?? null,
    icon: manifest.icon ?? "",
    repository: manifest.repository ?? manifest.homepage ?? "",
    documentation: manifest.documentation ?? "",
    checksum,
    s3Path: artifactKey(pluginId, manifest.version),
    manifest,
  } satisfies Partial<PluginRecord>;
}

export function newPluginRecord(input: {
  pluginId: string;
  manifest: Manifest;
  checksum: string;
  source: PluginSource;
  marketId: string | null;
  now: Date;
  status: PluginStatus;
}): PluginRecord {
  return {
    pluginId: input.pluginId,
    name: input.manifest.name,
    ...manifestColumns(input.manifest, input.checksum, input.pluginId),
    isEnabled: input.status,
    isBuiltin: 0,
    source: input.source,
    latestVersion: null,
    autoUpdate: false,
    marketId: input.marketId,
    installTime: input.now,
    updateTime: input.now,
  };
}

/**
 * The columns of t_plugin an update changes when its version becomes the plugin's: the update's
 * persist step (all at once), or the end of its rollout (completed, promoted).
 */
export function updatedPluginColumns(input: {
  existing: PluginRecord | null;
  manifest: Manifest;
  checksum: string;
  pluginId: string;
  source: PluginSource;
  marketId: string | null;
  now: Date;
}): Partial<Omit<PluginRecord, "pluginId">> {
  return {
    ...manifestColumns(input.manifest, input.checksum, input.pluginId),
    ...(input.existing ? replacedLegacyColumns(input.existing, input.manifest) : {}),
    source: input.source,
    ...(input.marketId ? { marketId: input.marketId } : {}),
    updateTime: input.now,
  };
}
