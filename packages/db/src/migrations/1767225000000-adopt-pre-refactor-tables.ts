import type { MigrationInterface, QueryRunner } from "typeorm";
import {
  configTableShape,
  isPreRefactor,
  LEGACY_CONFIG_BACKUP,
  LEGACY_PLUGIN_BACKUP,
  pluginTableShape,
  type TableShape,
} from "../legacy/legacy-tables.js";
import { countRows, quoteName, tableExists } from "../legacy/schema-probe.js";
import { migrationLog } from "../migration-log.js";
import { driverKindOf } from "./column-kit.js";

/**
 * Runs before the initial schema: when t_plugin / t_plugin_config are the pre-refactor
 * tables (with or without the original design's ALTERs), renames them to
 * t_plugin_legacy_plugin / t_plugin_legacy_config. They stay there untouched, as the backup
 * the import reads from, until `migrate --drop-legacy`. On an empty database, or one that
 * already has this platform's tables, it does nothing. A rename is one statement (both at
 * once on MySQL), so a crash leaves each table either renamed or not, and a re-run renames
 * what is left.
 */
export class AdoptPreRefactorTables1767225000000 implements MigrationInterface {
  name = "AdoptPreRefactorTables1767225000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const log = migrationLog(queryRunner.connection);
    const renames: [string, string][] = [];
    const plugin = await pluginTableShape(queryRunner);
    const config = await configTableShape(queryRunner);
    refuseUnknown("t_plugin", plugin);
    refuseUnknown("t_plugin_config", config);
    if (isPreRefactor(plugin)) renames.push(["t_plugin", LEGACY_PLUGIN_BACKUP]);
    if (isPreRefactor(config)) renames.push(["t_plugin_config", LEGACY_CONFIG_BACKUP]);
    if (renames.length === 0) {
      log.step("no pre-refactor plugin tables to adopt", { t_plugin: plugin, t_plugin_config: config });
      return;
    }

    for (const [from, to] of renames) {
      if (await tableExists(queryRunner, to)) {
        throw new Error(
          `both ${from} (pre-refactor) and ${to} exist: an earlier adoption kept ${to} as the backup of ${from}. ` +
            `Compare the two, keep the one to adopt as ${from}, drop or rename the other, then run the migration again.`,
        );
      }
      log.step(`keeping ${from} as ${to} (the backup, until migrate --drop-legacy)`, {
        table: from,
        backup: to,
        rows: await countRows(queryRunner, from),
        shape: from === "t_plugin" ? plugin : config,
      });
    }
    const kind = driverKindOf(queryRunner);
    if (kind === "mysql") {
      const pairs = renames.map(([from, to]) => `${quoteName(kind, from)} TO ${quoteName(kind, to)}`);
      await queryRunner.query(`RENAME TABLE ${pairs.join(", ")}`);
    } else {
      for (const [from, to] of renames) {
        await queryRunner.query(`ALTER TABLE ${quoteName(kind, from)} RENAME TO ${quoteName(kind, to)}`);
      }
    }
    log.step("renamed the pre-refactor tables", { tables: renames.map(([from, to]) => `${from} -> ${to}`) });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Only meaningful once the current tables are gone again (the initial schema's down ran).
    const kind = driverKindOf(queryRunner);
    for (const [backup, name] of [
      [LEGACY_PLUGIN_BACKUP, "t_plugin"],
      [LEGACY_CONFIG_BACKUP, "t_plugin_config"],
    ] as const) {
      if ((await tableExists(queryRunner, backup)) && !(await tableExists(queryRunner, name))) {
        await queryRunner.query(`ALTER TABLE ${quoteName(kind, backup)} RENAME TO ${quoteName(kind, name)}`);
      }
    }
  }
}

function refuseUnknown(table: string, shape: TableShape): void {
  if (shape !== "unknown") return;
  throw new Error(
    `${table} exists but is neither this platform's table nor the pre-refactor one (plugin_id, name, version, ` +
      `plugin_type, is_enabled, create_time...): nothing was changed. Rename it, or point the platform at another database.`,
  );
}
