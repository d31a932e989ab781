import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";

/**
 * Issue 11: the publisher's Ed25519 signature (base64) over each retained version's
 * SHA-256 and the id of the key that made it, as verified at install. Every node checks
 * them against its own trusted and revoked keys before it loads the version, and the
 * worker before a rollback. Rows written before this migration keep null: they count
 * as unsigned (loadable only while signature.require_signature is off).
 * Each column is added only if missing, so a run that stopped half way resumes.
 */
export class VersionSignatures1768089600000 implements MigrationInterface {
  name = "VersionSignatures1768089600000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    for (const column of [c.key("signature", 128, true), c.key("signature_key_id", 512, true)]) {
      if (await queryRunner.hasColumn("t_plugin_version", column.name)) continue;
      await queryRunner.addColumn("t_plugin_version", new TableColumn(column));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ["signature_key_id", "signature"]) {
      if (await queryRunner.hasColumn("t_plugin_version", column)) {
        await queryRunner.dropColumn("t_plugin_version", column);
      }
    }
  }
}
