import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** t_plugin_config: the current config of a plugin, one row per plugin. */
@Entity({ name: "t_plugin_config" })
export class PluginConfigEntity {
  @PrimaryGeneratedColumn({ type: "integer", name: "id" })
  id!: number;

  @Column({ type: "varchar", length: 128, name: "plugin_id", unique: true })
  pluginId!: string;

  @Column({ type: "text", name: "config" })
  config!: string;

  @Column({ type: "datetime", name: "updated_at" })
  updatedAt!: Date;
}
