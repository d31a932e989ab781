import { type MigrationInterface, type QueryRunner, Table } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";
import { createTableOnce } from "./create-table-once.js";

/**
 * Issue 14: t_plugin_rollout, where the versions of a plugin run while its rollout is in
 * progress (contracts RolloutPlacement): one row per plugin with a rollout, keyed by the
 * plugin id. No row means every node runs the plugin row's version, as before this table.
 * Created only if missing, so a run that stopped half way resumes.
 */
export class PluginRollout1768176000000 implements MigrationInterface {
  name = "PluginRollout1768176000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));
    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin_rollout",
        columns: [
          { ...c.key("plugin_id", 128), isPrimary: true },
          c.key("job_id", 64),
          c.key("from_version", 64, true),
          c.key("to_version", 64),
          c.json("nodes"),
          c.json("alongside", true),
          c.bool("hold_calls", false),
          c.datetime("updated_at"),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("t_plugin_rollout", true);
  }
}
