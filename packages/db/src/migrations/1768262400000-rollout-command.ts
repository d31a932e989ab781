import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";

/**
 * Issue 14: t_plugin_operation.rollout_command, the operator's command (pause, resume, abort,
 * promote) waiting for the worker that drives the job's rollout (JSON; null: none pending). The
 * API sets it only where it is null (compare-and-set), so two commands sent at once cannot both
 * win; the worker clears it once it acted. Added only if missing, so a run that stopped half way
 * resumes.
 */
export class RolloutCommand1768262400000 implements MigrationInterface {
  name = "RolloutCommand1768262400000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    if (await queryRunner.hasColumn("t_plugin_operation", "rollout_command")) return;
    await queryRunner.addColumn("t_plugin_operation", new TableColumn(c.json("rollout_command", true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await queryRunner.hasColumn("t_plugin_operation", "rollout_command")) {
      await queryRunner.dropColumn("t_plugin_operation", "rollout_command");
    }
  }
}
