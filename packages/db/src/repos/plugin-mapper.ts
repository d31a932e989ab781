import type {
  Manifest,
  PluginLegacyInfo,
  PluginPermissions,
  PluginSource,
  PluginStatus,
  PluginType,
  PluginVersionLegacyInfo,
} from "@arcade/contracts";
import type { PluginRecord, PluginVersionRecord } from "@arcade/core";
import type { PluginEntity } from "../entities/plugin-entity.js";
import type { PluginVersionEntity } from "../entities/plugin-version-entity.js";
import { parseJson, parseJsonOrNull, toJson, toJsonOrNull } from "./json-column.js";

type JsonObject = Record<string, unknown>;

export function toPluginRecord(row: PluginEntity): PluginRecord {
  return {
    pluginId: row.pluginId,
    name: row.name,
    version: row.version,
    description: row.description,
    author: row.author,
    pluginType: row.pluginType as PluginType,
    entryPoint: row.entryPoint,
    configSchema: parseJsonOrNull<JsonObject>(row.configSchema, "t_plugin.config_schema"),
    paramsSchema: parseJsonOrNull<JsonObject>(row.paramsSchema, "t_plugin.params_schema"),
    defaultConfig: parseJsonOrNull<JsonObject>(row.defaultConfig, "t_plugin.default_config"),
    icon: row.icon,
    repository: row.repository,
    documentation: row.documentation,
    isEnabled: row.isEnabled as PluginStatus,
    isBuiltin: 0,
    checksum: row.checksum,
    source: row.source as PluginSource,
    s3Path: row.s3Path,
    manifest: parseJson<Manifest>(row.manifest, "t_plugin.manifest"),
    latestVersion: row.latestVersion,
    autoUpdate: Boolean(row.autoUpdate),
    marketId: row.marketId,
    installTime: row.installTime,
    updateTime: row.updateTime,
    // Present only when set, so records of plugins installed here look as they always did.
    ...(row.error != null ? { error: row.error } : {}),
    ...(row.legacy != null ? { legacy: parseJson<PluginLegacyInfo>(row.legacy, "t_plugin.legacy") } : {}),
  };
}

/** Entity columns for the fields present in `patch` (undefined means "leave alone"). */
export function pluginColumns(patch: Partial<PluginRecord>): Partial<PluginEntity> {
  const out: Partial<PluginEntity> = {};
  const set = <K extends keyof PluginEntity>(key: K, value: PluginEntity[K]) => {
    out[key] = value;
  };
  if (patch.pluginId !== undefined) set("pluginId", patch.pluginId);
  if (patch.name !== undefined) set("name", patch.name);
  if (patch.version !== undefined) set("version", patch.version);
  if (patch.description !== undefined) set("description", patch.description);
  if (patch.author !== undefined) set("author", patch.author);
  if (patch.pluginType !== undefined) set("pluginType", patch.pluginType);
  if (patch.entryPoint !== undefined) set("entryPoint", patch.entryPoint);
  if (patch.configSchema !== undefined) set("configSchema", toJsonOrNull(patch.configSchema));
  if (patch.paramsSchema !== undefined) set("paramsSchema", toJsonOrNull(patch.paramsSchema));
  if (patch.defaultConfig !== undefined) set("defaultConfig", toJsonOrNull(patch.defaultConfig));
  if (patch.icon !== undefined) set("icon", patch.icon);
  if (patch.repository !== undefined) set("repository", patch.repository);
  if (patch.documentation !== undefined) set("documentation", patch.documentation);
  if (patch.isEnabled !== undefined) set("isEnabled", patch.isEnabled);
  if (patch.checksum !== undefined) set("checksum", patch.checksum);
  if (patch.source !== undefined) set("source", patch.source);
  if (patch.s3Path !== undefined) set("s3Path", patch.s3Path);
  if (patch.manifest !== undefined) set("manifest", toJson(patch.manifest));
  if (patch.latestVersion !== undefined) set("latestVersion", patch.latestVersion);
  if (patch.autoUpdate !== undefined) set("autoUpdate", patch.autoUpdate);
  if (patch.marketId !== undefined) set("marketId", patch.marketId);
  if (patch.installTime !== undefined) set("installTime", patch.installTime);
  if (patch.updateTime !== undefined) set("updateTime", patch.updateTime);
  if (patch.error !== undefined) set("error", patch.error);
  if (patch.legacy !== undefined) set("legacy", toJsonOrNull(patch.legacy));
  return out;
}

export function toVersionRecord(row: PluginVersionEntity): PluginVersionRecord {
  return {
    pluginId: row.pluginId,
    version: row.version,
    checksum: row.checksum,
    objectKey: row.objectKey,
    size: Number(row.size),
    manifest: parseJson<Manifest>(row.manifest, "t_plugin_version.manifest"),
    createdAt: row.createdAt,
    ...(row.legacy != null
      ? { legacy: parseJson<PluginVersionLegacyInfo>(row.legacy, "t_plugin_version.legacy") }
      : {}),
    permissions: parseJsonOrNull<PluginPermissions>(row.permissions ?? null, "t_plugin_version.permissions"),
    permissionsApprovedBy: row.permissionsApprovedBy ?? null,
    signature: row.signature ?? null,
    signatureKeyId: row.signatureKeyId ?? null,
  };
}

export function versionColumns(record: PluginVersionRecord): Partial<PluginVersionEntity> {
  return {
    pluginId: record.pluginId,
    version: record.version,
    checksum: record.checksum,
    objectKey: record.objectKey,
    size: record.size,
    manifest: toJson(record.manifest),
    createdAt: record.createdAt,
    legacy: toJsonOrNull(record.legacy),
    permissions: toJsonOrNull(record.permissions ?? null),
    permissionsApprovedBy: record.permissionsApprovedBy ?? null,
    signature: record.signature ?? null,
    signatureKeyId: record.signatureKeyId ?? null,
  };
}
