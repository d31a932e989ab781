import { Column, Entity, PrimaryColumn } from "typeorm";

/** t_cluster_revision: one row (id = 1) whose revision only grows, bumped with every change. */
@Entity({ name: "t_cluster_revision" })
export class ClusterRevisionEntity {
  @PrimaryColumn({ type: "int", name: "id" })
  id!: number;

  @Column({ type: "bigint", name: "revision" })
  revision!: string | number;
}
