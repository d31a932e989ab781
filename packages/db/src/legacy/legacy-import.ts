import type { QueryRunner } from "typeorm";
import { driverKindOf } from "../migrations/column-kit.js";
import type { ImportPlan, PlannedPlugin } from "./legacy-plan.js";
import { dateParam } from "./schema-probe.js";

export interface ImportCounts {
  plugins: number;
  versions: number;
  configs: number;
  scopedConfigs: number;
}

/**
 * Writes a plan into the current tables, row by row, skipping every row that is already
 * there (by plugin id, plugin id + version, config id): a re-run after a crash, or a second
 * run, inserts only what is missing. Returns what it inserted.
 */
export async function applyImport(
  runner: QueryRunner,
  plan: ImportPlan,
  log: (message: string, fields: Record<string, unknown>) => void,
): Promise<ImportCounts> {
  const kind = driverKindOf(runner);
  const at = (date: Date) => dateParam(kind, date);
  const exists = async (sql: string, params: unknown[]) =>
    ((await runner.query(sql, params)) as unknown[]).length > 0;
  const counts: ImportCounts = { plugins: 0, versions: 0, configs: 0, scopedConfigs: 0 };
  const now = new Date();

  for (const plugin of plan.plugins) {
    if (!(await exists("SELECT 1 FROM t_plugin WHERE plugin_id = ?", [plugin.pluginId]))) {
      const name = await freeName(runner, plugin);
      await runner.query(
        `INSERT INTO t_plugin (plugin_id, name, version, description, author, plugin_type, entry_point,
           config_schema, params_schema, default_config, icon, repository, documentation, is_enabled,
           is_builtin, checksum, source, s3_path, manifest, install_time, update_time, latest_version,
           auto_update, market_id, error, legacy, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2, 0, '', ?, ?, ?, ?, ?, NULL, 0, NULL, ?, ?, ?, ?)`,
        [
          plugin.pluginId,
          name,
          plugin.version,
          plugin.description,
          plugin.author,
          plugin.pluginType,
          plugin.entryPoint,
          plugin.configSchema,
          plugin.paramsSchema,
          plugin.defaultConfig,
          plugin.icon,
          plugin.repository,
          plugin.documentation,
          plugin.source,
          plugin.s3Path,
          plugin.manifest,
          at(plugin.installTime),
          at(plugin.updateTime),
          plugin.error,
          JSON.stringify(plugin.legacy),
          at(plugin.installTime),
          at(now),
        ],
      );
      counts.plugins += 1;
      log("adopted plugin", {
        pluginId: plugin.pluginId,
        name,
        version: plugin.version,
        pluginType: plugin.pluginType,
        legacyType: plugin.legacy.pluginType,
        versions: plugin.versions.length,
      });
    }
    for (const version of plugin.versions) {
      const params = [plugin.pluginId, version.version];
      if (await exists("SELECT 1 FROM t_plugin_version WHERE plugin_id = ? AND version = ?", params))
        continue;
      // No package exists for an old native build: no object key, no size, no checksum of one.
      await runner.query(
        `INSERT INTO t_plugin_version (plugin_id, version, checksum, object_key, size, manifest, created_at, legacy)
         VALUES (?, ?, '', '', 0, ?, ?, ?)`,
        [...params, version.manifest, at(version.createdAt), JSON.stringify(version.legacy)],
      );
      counts.versions += 1;
    }
  }

  for (const config of plan.configs) {
    if (await exists("SELECT 1 FROM t_plugin_config WHERE plugin_id = ?", [config.pluginId])) continue;
    await runner.query("INSERT INTO t_plugin_config (plugin_id, config, updated_at) VALUES (?, ?, ?)", [
      config.pluginId,
      config.config,
      at(config.updatedAt),
    ]);
    counts.configs += 1;
  }

  for (const row of plan.scoped) {
    if (await exists("SELECT 1 FROM t_plugin_scoped_config WHERE config_id = ?", [row.configId])) continue;
    await runner.query(
      `INSERT INTO t_plugin_scoped_config (config_id, plugin_id, name, scope, scope_id, config, description,
         is_default, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.configId,
        row.pluginId,
        row.name,
        row.scope,
        row.scopeId,
        row.config,
        row.description,
        row.isDefault,
        row.createdBy,
        at(row.createdAt),
        at(row.updatedAt),
      ],
    );
    counts.scopedConfigs += 1;
  }

  if (counts.plugins + counts.versions + counts.configs > 0) {
    // Running nodes learn of the new rows on their next reconcile, like after any change.
    await runner.query("UPDATE t_cluster_revision SET revision = revision + 1 WHERE id = 1");
  }
  return counts;
}

/** The planned name, unless a plugin installed on this platform already holds it. */
async function freeName(runner: QueryRunner, plugin: PlannedPlugin): Promise<string> {
  const holders: unknown[] = await runner.query("SELECT 1 FROM t_plugin WHERE name = ?", [plugin.name]);
  if (holders.length === 0) return plugin.name;
  const suffix = ` (${plugin.legacy.pluginId})`;
  return [...plugin.name].slice(0, 100 - [...suffix].length).join("") + suffix;
}
