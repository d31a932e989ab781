import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";

/**
 * Issue 11: the permissions each retained version runs with (normalised JSON of
 * manifest.permissions) and who approved them (the token name of the install or
 * update). Rows written before this migration keep null: the manifest column still
 * holds what they declared, and nobody was recorded as approving it.
 */
export class VersionPermissions1768003200000 implements MigrationInterface {
  name = "VersionPermissions1768003200000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    await queryRunner.addColumns("t_plugin_version", [
      new TableColumn(c.json("permissions", true)),
      new TableColumn(c.varchar("permissions_approved_by", 200, true)),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("t_plugin_version", "permissions_approved_by");
    await queryRunner.dropColumn("t_plugin_version", "permissions");
  }
}
