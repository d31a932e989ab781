import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * t_plugin_operation: the durable record of every job. `lock_key` is set while the job is
 * unfinished; its unique index is what makes a second operation on one plugin impossible.
 */
@Entity({ name: "t_plugin_operation" })
@Index("idx_t_plugin_operation_plugin_id", ["pluginId"])
@Index("idx_t_plugin_operation_state", ["state"])
@Index("idx_t_plugin_operation_created_at", ["createdAt"])
export class PluginOperationEntity {
  @PrimaryColumn({ type: "varchar", length: 64, name: "job_id" })
  jobId!: string;

  @Column({ type: "varchar", length: 32, name: "type" })
  type!: string;

  @Column({ type: "varchar", length: 128, name: "plugin_id", nullable: true })
  pluginId!: string | null;

  @Column({ type: "varchar", length: 191, name: "lock_key", nullable: true, unique: true })
  lockKey!: string | null;

  @Column({ type: "varchar", length: 191, name: "idempotency_key", nullable: true, unique: true })
  idempotencyKey!: string | null;

  @Column({ type: "varchar", length: 16, name: "state" })
  state!: string;

  @Column({ type: "varchar", length: 32, name: "step", nullable: true })
  step!: string | null;

  @Column({ type: "int", name: "progress" })
  progress!: number;

  @Column({ type: "text", name: "steps" })
  steps!: string;

  @Column({ type: "int", name: "attempts" })
  attempts!: number;

  @Column({ type: "text", name: "payload" })
  payload!: string;

  @Column({ type: "text", name: "error", nullable: true })
  error!: string | null;

  @Column({ type: "text", name: "result", nullable: true })
  result!: string | null;

  @Column({ type: "varchar", length: 200, name: "requested_by" })
  requestedBy!: string;

  @Column({ type: "datetime", name: "created_at" })
  createdAt!: Date;

  @Column({ type: "datetime", name: "updated_at" })
  updatedAt!: Date;

  @Column({ type: "datetime", name: "finished_at", nullable: true })
  finishedAt!: Date | null;

  /** An operator's command waiting for the worker that drives the job's rollout (JSON); see rollout-command-repo.ts. */
  @Column({ type: "text", name: "rollout_command", nullable: true })
  rolloutCommand!: string | null;
}
