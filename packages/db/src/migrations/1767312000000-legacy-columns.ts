import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";
import { migrationLog } from "../migration-log.js";
import { columnKit, driverKindOf } from "./column-kit.js";
import { createTableOnce } from "./create-table-once.js";

/**
 * Room for what an adopted pre-refactor installation brings, added on every database (empty,
 * adopted or already current) so all of them end with the same schema:
 * - t_plugin.error: why a plugin is in error (is_enabled 2);
 * - t_plugin.legacy / t_plugin_version.legacy: JSON of the old native build (type, path, checksum);
 * - t_plugin_scoped_config: the old config rows with their scope (global, pipeline, user).
 * Each column is added only if missing, so a run that stopped half way resumes.
 */
export class LegacyColumns1767312000000 implements MigrationInterface {
  name = "LegacyColumns1767312000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    const log = migrationLog(queryRunner.connection);
    const columns: [string, TableColumn][] = [
      ["t_plugin", new TableColumn(c.text("error", true))],
      ["t_plugin", new TableColumn(c.json("legacy", true))],
      ["t_plugin_version", new TableColumn(c.json("legacy", true))],
    ];
    for (const [table, column] of columns) {
      if (await queryRunner.hasColumn(table, column.name)) {
        log.step(`${table}.${column.name} is already there`);
        continue;
      }
      await queryRunner.addColumn(table, column);
      log.step(`added ${table}.${column.name}`);
    }

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin_scoped_config",
        columns: [
          c.autoId(),
          c.key("config_id", 64),
          c.key("plugin_id", 128),
          c.varchar("name", 128),
          c.key("scope", 32),
          c.key("scope_id", 64, true),
          c.json("config"),
          c.text("description", true),
          c.int("is_default", 0),
          c.varchar("created_by", 64, true),
          c.datetime("created_at"),
          c.datetime("updated_at"),
        ],
        indices: [
          new TableIndex({
            name: "uq_t_plugin_scoped_config_config_id",
            columnNames: ["config_id"],
            isUnique: true,
          }),
          new TableIndex({
            name: "idx_t_plugin_scoped_config_scope",
            columnNames: ["plugin_id", "scope", "scope_id"],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("t_plugin_scoped_config", true);
    for (const [table, column] of [
      ["t_plugin_version", "legacy"],
      ["t_plugin", "legacy"],
      ["t_plugin", "error"],
    ] as const) {
      if (await queryRunner.hasColumn(table, column)) await queryRunner.dropColumn(table, column);
    }
  }
}
