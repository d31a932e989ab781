import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/**
 * t_plugin: the original model's columns plus source, s3_path, manifest and the market
 * columns. JSON columns are plain text here; the repo layer parses and serialises them.
 * Every column names its type because tsx/vitest emit no decorator metadata.
 */
@Entity({ name: "t_plugin" })
@Index("idx_t_plugin_source", ["source"])
@Index("idx_t_plugin_is_enabled", ["isEnabled"])
export class PluginEntity {
  @PrimaryGeneratedColumn({ type: "integer", name: "id" })
  id!: number;

  @Column({ type: "varchar", length: 128, name: "plugin_id", unique: true })
  pluginId!: string;

  @Column({ type: "varchar", length: 100, name: "name", unique: true })
  name!: string;

  @Column({ type: "varchar", length: 64, name: "version" })
  version!: string;

  @Column({ type: "text", name: "description" })
  description!: string;

  @Column({ type: "varchar", length: 200, name: "author" })
  author!: string;

  @Column({ type: "varchar", length: 32, name: "plugin_type" })
  pluginType!: string;

  @Column({ type: "varchar", length: 255, name: "entry_point" })
  entryPoint!: string;

  @Column({ type: "text", name: "config_schema", nullable: true })
  configSchema!: string | null;

  @Column({ type: "text", name: "params_schema", nullable: true })
  paramsSchema!: string | null;

  @Column({ type: "text", name: "default_config", nullable: true })
  defaultConfig!: string | null;

  @Column({ type: "text", name: "icon" })
  icon!: string;

  @Column({ type: "varchar", length: 500, name: "repository" })
  repository!: string;

  @Column({ type: "varchar", length: 500, name: "documentation" })
  documentation!: string;

  @Column({ type: "int", name: "is_enabled" })
  isEnabled!: number;

  @Column({ type: "int", name: "is_builtin" })
  isBuiltin!: number;

  @Column({ type: "varchar", length: 64, name: "checksum" })
  checksum!: string;

  @Column({ type: "varchar", length: 16, name: "source" })
  source!: string;

  @Column({ type: "varchar", length: 512, name: "s3_path" })
  s3Path!: string;

  @Column({ type: "text", name: "manifest" })
  manifest!: string;

  @Column({ type: "datetime", name: "install_time" })
  installTime!: Date;

  @Column({ type: "datetime", name: "update_time" })
  updateTime!: Date;

  @Column({ type: "varchar", length: 64, name: "latest_version", nullable: true })
  latestVersion!: string | null;

  @Column({ type: "boolean", name: "auto_update" })
  autoUpdate!: boolean;

  @Column({ type: "varchar", length: 255, name: "market_id", nullable: true })
  marketId!: string | null;

  /** Why the plugin is in error (is_enabled 2), when the platform knows. */
  @Column({ type: "text", name: "error", nullable: true })
  error!: string | null;

  /** JSON PluginLegacyInfo of a plugin adopted from the pre-refactor tables. */
  @Column({ type: "text", name: "legacy", nullable: true })
  legacy!: string | null;

  @Column({ type: "datetime", name: "created_at" })
  createdAt!: Date;

  @Column({ type: "datetime", name: "updated_at" })
  updatedAt!: Date;
}
