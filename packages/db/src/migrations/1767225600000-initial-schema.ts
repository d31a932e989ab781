import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { columnKit, driverKindOf } from "./column-kit.js";
import { createTableOnce } from "./create-table-once.js";

/**
 * The five tables of architecture §5, written once for MySQL/MariaDB and SQLite. Each table
 * is created only if missing (a run that stopped half way on MySQL resumes), so the schema
 * is the same whichever way it got here.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = "InitialSchema1767225600000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnKit(driverKindOf(queryRunner));

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin",
        columns: [
          c.autoId(),
          c.key("plugin_id", 128),
          c.key("name", 100),
          c.key("version", 64),
          c.text("description"),
          c.varchar("author", 200),
          c.key("plugin_type", 32),
          c.key("entry_point", 255),
          c.json("config_schema", true),
          c.json("params_schema", true),
          c.json("default_config", true),
          c.text("icon"),
          c.varchar("repository", 500),
          c.varchar("documentation", 500),
          c.int("is_enabled", 0),
          c.int("is_builtin", 0),
          c.sha256("checksum"),
          c.key("source", 16),
          c.key("s3_path", 512),
          c.json("manifest"),
          c.datetime("install_time"),
          c.datetime("update_time"),
          c.key("latest_version", 64, true),
          c.bool("auto_update", false),
          c.key("market_id", 255, true),
          c.datetime("created_at"),
          c.datetime("updated_at"),
        ],
        indices: [
          new TableIndex({ name: "uq_t_plugin_plugin_id", columnNames: ["plugin_id"], isUnique: true }),
          new TableIndex({ name: "uq_t_plugin_name", columnNames: ["name"], isUnique: true }),
          new TableIndex({ name: "idx_t_plugin_source", columnNames: ["source"] }),
          new TableIndex({ name: "idx_t_plugin_is_enabled", columnNames: ["is_enabled"] }),
        ],
      }),
    );

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin_version",
        columns: [
          c.autoId(),
          c.key("plugin_id", 128),
          c.key("version", 64),
          c.sha256("checksum"),
          c.key("object_key", 512),
          c.bigint("size"),
          c.json("manifest"),
          c.datetime("created_at"),
        ],
        indices: [
          new TableIndex({
            name: "uq_t_plugin_version_plugin_version",
            columnNames: ["plugin_id", "version"],
            isUnique: true,
          }),
        ],
      }),
    );

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin_config",
        columns: [c.autoId(), c.key("plugin_id", 128), c.json("config"), c.datetime("updated_at")],
        indices: [
          new TableIndex({
            name: "uq_t_plugin_config_plugin_id",
            columnNames: ["plugin_id"],
            isUnique: true,
          }),
        ],
      }),
    );

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_plugin_operation",
        columns: [
          { ...c.key("job_id", 64), isPrimary: true },
          c.key("type", 32),
          c.key("plugin_id", 128, true),
          c.key("lock_key", 191, true),
          c.key("idempotency_key", 191, true),
          c.key("state", 16),
          c.key("step", 32, true),
          c.int("progress", 0),
          c.json("steps"),
          c.int("attempts", 0),
          c.json("payload"),
          c.json("error", true),
          c.json("result", true),
          c.varchar("requested_by", 200),
          c.datetime("created_at"),
          c.datetime("updated_at"),
          c.datetime("finished_at", true),
        ],
        indices: [
          new TableIndex({
            name: "uq_t_plugin_operation_lock_key",
            columnNames: ["lock_key"],
            isUnique: true,
          }),
          new TableIndex({
            name: "uq_t_plugin_operation_idempotency_key",
            columnNames: ["idempotency_key"],
            isUnique: true,
          }),
          new TableIndex({ name: "idx_t_plugin_operation_plugin_id", columnNames: ["plugin_id"] }),
          new TableIndex({ name: "idx_t_plugin_operation_state", columnNames: ["state"] }),
          new TableIndex({ name: "idx_t_plugin_operation_created_at", columnNames: ["created_at"] }),
        ],
      }),
    );

    await createTableOnce(
      queryRunner,
      new Table({
        name: "t_cluster_revision",
        columns: [{ ...c.int("id"), isPrimary: true }, c.bigint("revision")],
      }),
    );
    const revision: unknown[] = await queryRunner.query("SELECT 1 FROM t_cluster_revision WHERE id = 1");
    if (revision.length === 0) {
      await queryRunner.manager
        .createQueryBuilder()
        .insert()
        .into("t_cluster_revision")
        .values({ id: 1, revision: 0 })
        .execute();
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      "t_cluster_revision",
      "t_plugin_operation",
      "t_plugin_config",
      "t_plugin_version",
      "t_plugin",
    ]) {
      await queryRunner.dropTable(table, true);
    }
  }
}
