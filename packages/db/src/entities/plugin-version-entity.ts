import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/** t_plugin_version: the retained artifacts of a plugin, one row per (plugin_id, version). */
@Entity({ name: "t_plugin_version" })
@Index("uq_t_plugin_version_plugin_version", ["pluginId", "version"], { unique: true })
export class PluginVersionEntity {
  @PrimaryGeneratedColumn({ type: "integer", name: "id" })
  id!: number;

  @Column({ type: "varchar", length: 128, name: "plugin_id" })
  pluginId!: string;

  @Column({ type: "varchar", length: 64, name: "version" })
  version!: string;

  @Column({ type: "varchar", length: 64, name: "checksum" })
  checksum!: string;

  @Column({ type: "varchar", length: 512, name: "object_key" })
  objectKey!: string;

  /** bigint arrives as a string from mysql2; the mapper turns it into a number. */
  @Column({ type: "bigint", name: "size" })
  size!: string | number;

  @Column({ type: "text", name: "manifest" })
  manifest!: string;

  @Column({ type: "datetime", name: "created_at" })
  createdAt!: Date;

  /** JSON PluginVersionLegacyInfo of an adopted old native build (object_key is ""). */
  @Column({ type: "text", name: "legacy", nullable: true })
  legacy!: string | null;

  /** JSON PluginPermissions this version runs with; null for rows older than the column. */
  @Column({ type: "text", name: "permissions", nullable: true })
  permissions!: string | null;

  /** Token name of the request that installed or updated to this version (approved its permissions). */
  @Column({ type: "varchar", length: 200, name: "permissions_approved_by", nullable: true })
  permissionsApprovedBy!: string | null;

  /** Base64 Ed25519 signature over `checksum`, as verified at install; null: unsigned. */
  @Column({ type: "varchar", length: 128, name: "signature", nullable: true })
  signature!: string | null;

  /** Id of the publisher key that made `signature` (as in [[signature.trusted_keys]]). */
  @Column({ type: "varchar", length: 512, name: "signature_key_id", nullable: true })
  signatureKeyId!: string | null;
}
