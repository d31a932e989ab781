import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";

/**
 * Issue 11: the permissions each retained version runs with (normalised JSON of
 * manifest.permissions) and who approved them (the token name of the install or
 * update). Rows written before this migration keep null: the manifest column still
 * holds what they declared, and nobody was recorded as approving it.
 * Each column is added only if missing, so a run that stopped half way resumes.
 */
export class VersionPermissions1768003200000 implements MigrationInterface {
  name = "VersionPermissions1768003200000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    for (const column of [c.json("permissions", true), c.varchar("permissions_approved_by", 200, true)]) {
      if (await queryRunner.hasColumn("t_plugin_version", column.name)) continue;
      await queryRunner.addColumn("t_plugin_version", new TableColumn(column));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ["permissions_approved_by", "permissions"]) {
      if (await queryRunner.hasColumn("t_plugin_version", column)) {
        await queryRunner.dropColumn("t_plugin_version", column);
      }
    }
  }
}
