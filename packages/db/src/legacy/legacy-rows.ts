import type { QueryRunner } from "typeorm";
import { driverKindOf } from "../migrations/column-kit.js";
import { quoteName } from "./schema-probe.js";

/** A row of the old t_plugin (one per plugin and version), read leniently. */
export interface LegacyPluginRow {
  id: number;
  pluginId: string;
  name: string;
  version: string;
  description: string | null;
  author: string | null;
  pluginType: string;
  entryPoint: string | null;
  configSchema: LegacyJson;
  paramsSchema: LegacyJson;
  defaultConfig: LegacyJson;
  icon: string | null;
  repository: string | null;
  documentation: string | null;
  isEnabled: number;
  isBuiltin: number;
  installPath: string | null;
  checksum: string | null;
  createTime: Date | null;
  updateTime: Date | null;
  /** Columns of the original design's ALTERs; null when the installation never ran them. */
  source: string | null;
  s3Path: string | null;
  manifest: LegacyJson;
  installTime: Date | null;
}

/** A row of the old t_plugin_config. */
export interface LegacyConfigRow {
  id: number;
  configId: string;
  pluginId: string;
  name: string | null;
  configItems: LegacyJson;
  description: string | null;
  scope: string;
  scopeId: string | null;
  isDefault: number;
  createdBy: string | null;
  createTime: Date | null;
  updateTime: Date | null;
}

/**
 * A JSON column as the old server left it. MySQL 8 hands JSON back parsed, MariaDB and
 * SQLite as text, and old rows may hold text that is not JSON at all: `text` is always
 * valid JSON to store again (a non-JSON string is kept as a JSON string), `value` is the
 * parsed value, and `parsed` says whether the column held JSON.
 */
export interface LegacyJson {
  value: unknown;
  text: string | null;
  parsed: boolean;
}

type Raw = Record<string, unknown>;

export async function readLegacyPlugins(runner: QueryRunner, table: string): Promise<LegacyPluginRow[]> {
  const rows: Raw[] = await runner.query(
    `SELECT * FROM ${quoteName(driverKindOf(runner), table)} ORDER BY id`,
  );
  return rows.map(toPluginRow);
}

export async function readLegacyConfigs(runner: QueryRunner, table: string): Promise<LegacyConfigRow[]> {
  const rows: Raw[] = await runner.query(
    `SELECT * FROM ${quoteName(driverKindOf(runner), table)} ORDER BY id`,
  );
  return rows.map(toConfigRow);
}

function toPluginRow(r: Raw): LegacyPluginRow {
  return {
    id: Number(r.id),
    pluginId: text(r.plugin_id) ?? "",
    name: text(r.name) ?? "",
    version: text(r.version) ?? "",
    description: text(r.description),
    author: text(r.author),
    pluginType: text(r.plugin_type) ?? "",
    entryPoint: text(r.entry_point),
    configSchema: json(r.config_schema),
    paramsSchema: json(r.params_schema),
    defaultConfig: json(r.default_config),
    icon: text(r.icon),
    repository: text(r.repository),
    documentation: text(r.documentation),
    isEnabled: Number(r.is_enabled ?? 0),
    isBuiltin: Number(r.is_builtin ?? 0),
    installPath: text(r.install_path),
    checksum: text(r.checksum),
    createTime: date(r.create_time),
    updateTime: date(r.update_time),
    source: text(r.source),
    s3Path: text(r.s3_path),
    manifest: json(r.manifest),
    installTime: date(r.install_time),
  };
}

function toConfigRow(r: Raw): LegacyConfigRow {
  return {
    id: Number(r.id),
    configId: text(r.config_id) ?? "",
    pluginId: text(r.plugin_id) ?? "",
    name: text(r.name),
    configItems: json(r.config_items),
    description: text(r.description),
    scope: text(r.scope) ?? "",
    scopeId: text(r.scope_id),
    isDefault: Number(r.is_default ?? 0),
    createdBy: text(r.created_by),
    createTime: date(r.create_time),
    updateTime: date(r.update_time),
  };
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return String(value);
}

export function json(value: unknown): LegacyJson {
  if (value === null || value === undefined) return { value: null, text: null, parsed: true };
  const raw = Buffer.isBuffer(value) ? value.toString("utf8") : value;
  if (typeof raw !== "string") return { value: raw, text: JSON.stringify(raw), parsed: true };
  try {
    return { value: JSON.parse(raw), text: raw, parsed: true };
  } catch {
    return { value: raw, text: JSON.stringify(raw), parsed: false };
  }
}

/**
 * Old DATETIMEs: mysql2 gives Dates (read in UTC, the connection's zone), SQLite text such as
 * "2023-04-05 06:07:08". Zero dates and garbage become null.
 */
export function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== "string") return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${match[7] ?? ""}${match[8] ?? "Z"}`;
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) || parsed.getUTCFullYear() < 1971 ? null : parsed;
}
