import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/**
 * t_plugin_scoped_config: every config row of a pre-refactor installation (scope global,
 * pipeline or user), kept readable for scoped configs. The plugin's own config (what nodes
 * use) stays in t_plugin_config; a global row was copied there by the migration.
 */
@Entity({ name: "t_plugin_scoped_config" })
@Index("idx_t_plugin_scoped_config_scope", ["pluginId", "scope", "scopeId"])
export class PluginScopedConfigEntity {
  @PrimaryGeneratedColumn({ type: "integer", name: "id" })
  id!: number;

  @Column({ type: "varchar", length: 64, name: "config_id", unique: true })
  configId!: string;

  @Column({ type: "varchar", length: 128, name: "plugin_id" })
  pluginId!: string;

  @Column({ type: "varchar", length: 128, name: "name" })
  name!: string;

  @Column({ type: "varchar", length: 32, name: "scope" })
  scope!: string;

  @Column({ type: "varchar", length: 64, name: "scope_id", nullable: true })
  scopeId!: string | null;

  @Column({ type: "text", name: "config" })
  config!: string;

  @Column({ type: "text", name: "description", nullable: true })
  description!: string | null;

  @Column({ type: "int", name: "is_default" })
  isDefault!: number;

  @Column({ type: "varchar", length: 64, name: "created_by", nullable: true })
  createdBy!: string | null;

  @Column({ type: "datetime", name: "created_at" })
  createdAt!: Date;

  @Column({ type: "datetime", name: "updated_at" })
  updatedAt!: Date;
}
