import type { NodePluginState, PluginResource, PluginVersionResource } from "@arcade/contracts";
import { maskSecrets, type PluginRecord, type PluginVersionRecord, permissionsOf } from "@arcade/core";
import semver from "semver";

export function pluginView(record: PluginRecord, nodes?: NodePluginState[]): PluginResource {
  const updateAvailable =
    record.latestVersion !== null &&
    semver.valid(record.latestVersion) !== null &&
    semver.valid(record.version) !== null
      ? semver.gt(record.latestVersion, record.version)
      : false;
  return {
    pluginId: record.pluginId,
    name: record.name,
    version: record.version,
    description: record.description,
    author: record.author,
    pluginType: record.pluginType,
    entryPoint: record.entryPoint,
    configSchema: record.configSchema,
    paramsSchema: record.paramsSchema,
    // A manifest's default for a secret field is masked like a stored value.
    defaultConfig: record.defaultConfig && maskSecrets(record.configSchema, record.defaultConfig),
    icon: record.icon,
    repository: record.repository,
    documentation: record.documentation,
    isEnabled: record.isEnabled,
    isBuiltin: 0,
    checksum: record.checksum,
    source: record.source,
    s3Path: record.s3Path,
    manifest: record.manifest,
    permissions: permissionsOf(record.manifest),
    installTime: record.installTime.toISOString(),
    updateTime: record.updateTime.toISOString(),
    error: record.error ?? null,
    legacy: record.legacy ?? null,
    latestVersion: record.latestVersion,
    updateAvailable,
    ...(nodes ? { nodes } : {}),
  };
}

export function versionView(record: PluginVersionRecord, currentVersion: string): PluginVersionResource {
  return {
    pluginId: record.pluginId,
    version: record.version,
    checksum: record.checksum,
    size: record.size,
    objectKey: record.objectKey,
    manifest: record.manifest,
    permissions: record.permissions ?? permissionsOf(record.manifest),
    permissionsApprovedBy: record.permissionsApprovedBy ?? null,
    createdAt: record.createdAt.toISOString(),
    current: record.version === currentVersion,
    legacy: record.legacy ?? null,
  };
}
