import type { MigrationInterface, QueryRunner } from "typeorm";
import { applyImport } from "../legacy/legacy-import.js";
import { planImport } from "../legacy/legacy-plan.js";
import { readLegacyConfigs, readLegacyPlugins } from "../legacy/legacy-rows.js";
import { LEGACY_CONFIG_BACKUP, LEGACY_PLUGIN_BACKUP } from "../legacy/legacy-tables.js";
import { tableExists } from "../legacy/schema-probe.js";
import { migrationLog } from "../migration-log.js";

/**
 * Copies the rows of the adopted pre-refactor tables (kept as t_plugin_legacy_*) into the
 * current ones: plugins with their versions, configs with their scope (see planImport).
 * Rows only, no DDL: on MySQL it is one transaction, and every insert is skipped when its
 * row is already there, so running it again after a crash, or twice, changes nothing twice.
 * The backups are left as they are.
 */
export class ImportPreRefactorRows1767312000001 implements MigrationInterface {
  name = "ImportPreRefactorRows1767312000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    const log = migrationLog(queryRunner.connection);
    const hasPlugins = await tableExists(queryRunner, LEGACY_PLUGIN_BACKUP);
    const hasConfigs = await tableExists(queryRunner, LEGACY_CONFIG_BACKUP);
    if (!hasPlugins && !hasConfigs) {
      log.step("no pre-refactor rows to import");
      return;
    }
    const plugins = hasPlugins ? await readLegacyPlugins(queryRunner, LEGACY_PLUGIN_BACKUP) : [];
    const configs = hasConfigs ? await readLegacyConfigs(queryRunner, LEGACY_CONFIG_BACKUP) : [];
    const plan = planImport(plugins, configs, new Date());
    log.step("importing pre-refactor rows", {
      pluginRows: plan.source.pluginRows,
      configRows: plan.source.configRows,
      plugins: plan.plugins.length,
      types: plan.types.map((t) => `${t.from} -> ${t.to}`),
    });
    for (const note of plan.notes) log.warn(note);
    const counts = await applyImport(queryRunner, plan, (message, fields) => log.step(message, fields));
    log.step("imported pre-refactor rows", { ...counts });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The rows it made are told apart by their legacy column; the backups still hold the originals.
    if (!(await tableExists(queryRunner, LEGACY_PLUGIN_BACKUP))) return;
    await queryRunner.query("DELETE FROM t_plugin_version WHERE legacy IS NOT NULL");
    await queryRunner.query(
      "DELETE FROM t_plugin_config WHERE plugin_id IN (SELECT plugin_id FROM t_plugin WHERE legacy IS NOT NULL)",
    );
    await queryRunner.query("DELETE FROM t_plugin_scoped_config");
    await queryRunner.query("DELETE FROM t_plugin WHERE legacy IS NOT NULL");
  }
}
