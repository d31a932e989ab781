import type { QueryRunner } from "typeorm";
import { columnsOf } from "./schema-probe.js";

/** Where the pre-refactor tables are kept, untouched, until `migrate --drop-legacy`. */
export const LEGACY_PLUGIN_BACKUP = "t_plugin_legacy_plugin";
export const LEGACY_CONFIG_BACKUP = "t_plugin_legacy_config";

/**
 * What a table named t_plugin (or t_plugin_config) is:
 * - absent: no such table;
 * - current: this platform's schema (created_at / config columns);
 * - pre-refactor: the old Go server's table (create_time, plugin_type, ...; config_items);
 * - pre-refactor+alters: the same after the original design's ALTERs (source, s3_path, ...);
 * - unknown: something else, which no step may touch.
 */
export type TableShape = "absent" | "current" | "pre-refactor" | "pre-refactor+alters" | "unknown";

const OLD_PLUGIN_COLUMNS = ["plugin_id", "name", "version", "plugin_type", "is_enabled", "create_time"];
const OLD_CONFIG_COLUMNS = ["config_id", "plugin_id", "config_items", "scope"];
/** Columns the original design's ALTER TABLE adds (update_time was already there). */
const DESIGN_ALTER_COLUMNS = ["source", "s3_path", "manifest", "install_time"];

export async function pluginTableShape(runner: QueryRunner, table = "t_plugin"): Promise<TableShape> {
  const columns = await columnsOf(runner, table);
  if (columns.size === 0) return "absent";
  if (columns.has("created_at") && columns.has("s3_path")) return "current";
  if (!OLD_PLUGIN_COLUMNS.every((c) => columns.has(c))) return "unknown";
  return DESIGN_ALTER_COLUMNS.some((c) => columns.has(c)) ? "pre-refactor+alters" : "pre-refactor";
}

export async function configTableShape(runner: QueryRunner, table = "t_plugin_config"): Promise<TableShape> {
  const columns = await columnsOf(runner, table);
  if (columns.size === 0) return "absent";
  if (columns.has("config") && columns.has("updated_at")) return "current";
  return OLD_CONFIG_COLUMNS.every((c) => columns.has(c)) ? "pre-refactor" : "unknown";
}

export function isPreRefactor(shape: TableShape): boolean {
  return shape === "pre-refactor" || shape === "pre-refactor+alters";
}

/**
 * Where the old rows are right now: still under their own names (nothing adopted yet),
 * in the backups (adopted), or nowhere.
 */
export async function locateLegacyRows(
  runner: QueryRunner,
): Promise<{ plugins: string | null; configs: string | null }> {
  const pluginShape = await pluginTableShape(runner);
  const configShape = await configTableShape(runner);
  const plugins = isPreRefactor(pluginShape)
    ? "t_plugin"
    : (await pluginTableShape(runner, LEGACY_PLUGIN_BACKUP)) === "absent"
      ? null
      : LEGACY_PLUGIN_BACKUP;
  const configs = isPreRefactor(configShape)
    ? "t_plugin_config"
    : (await configTableShape(runner, LEGACY_CONFIG_BACKUP)) === "absent"
      ? null
      : LEGACY_CONFIG_BACKUP;
  return { plugins, configs };
}
