import { Column, Entity, PrimaryColumn } from "typeorm";

/**
 * t_plugin_rollout: where the versions of one plugin run while its rollout is in progress
 * (RolloutPlacement), one row per plugin with a rollout. The worker writes it in the same
 * transaction as the revision bump; every node reads it with its desired state.
 */
@Entity({ name: "t_plugin_rollout" })
export class PluginRolloutEntity {
  @PrimaryColumn({ type: "varchar", length: 128, name: "plugin_id" })
  pluginId!: string;

  @Column({ type: "varchar", length: 64, name: "job_id" })
  jobId!: string;

  @Column({ type: "varchar", length: 64, name: "from_version", nullable: true })
  fromVersion!: string | null;

  @Column({ type: "varchar", length: 64, name: "to_version" })
  toVersion!: string;

  /** JSON string[]: the canary node ids. */
  @Column({ type: "text", name: "nodes" })
  nodes!: string;

  /** JSON { share, salt, callerKeyHeader } or null. */
  @Column({ type: "text", name: "alongside", nullable: true })
  alongside!: string | null;

  /** `hold` is avoided as a column name: it reads like SQL (HOLD is a keyword in some dialects). */
  @Column({ type: "boolean", name: "hold_calls" })
  holdCalls!: boolean;

  @Column({ type: "datetime", name: "updated_at" })
  updatedAt!: Date;
}
