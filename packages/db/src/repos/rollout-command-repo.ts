import type { RolloutCommandRecord, RolloutCommandStore } from "@arcade/core";
import { PluginOperationEntity } from "../entities/plugin-operation-entity.js";
import type { DbSession } from "../session.js";
import { parseJsonOrNull, toJson } from "./json-column.js";

/**
 * Operators' rollout commands in the job row (t_plugin_operation.rollout_command). `offer` is one
 * conditional UPDATE (`... WHERE rollout_command IS NULL`): of two commands sent at once, exactly
 * one changes the row; the other sees no row changed and is refused.
 */
export class TypeOrmRolloutCommandRepo implements RolloutCommandStore {
  constructor(private readonly session: DbSession) {}

  offer(jobId: string, command: RolloutCommandRecord): Promise<boolean> {
    return this.session.run(async (m) => {
      const result = await m
        .createQueryBuilder()
        .update(PluginOperationEntity)
        .set({ rolloutCommand: toJson(command) })
        .where("job_id = :jobId", { jobId })
        .andWhere("rollout_command IS NULL")
        .execute();
      return (result.affected ?? 0) === 1;
    });
  }

  pending(jobId: string): Promise<RolloutCommandRecord | null> {
    return this.session.run(async (m) => {
      const row = await m.findOne(PluginOperationEntity, {
        where: { jobId },
        select: { jobId: true, rolloutCommand: true },
      });
      return parseJsonOrNull<RolloutCommandRecord>(
        row?.rolloutCommand ?? null,
        "t_plugin_operation.rollout_command",
      );
    });
  }

  async clear(jobId: string): Promise<void> {
    await this.session.run((m) => m.update(PluginOperationEntity, { jobId }, { rolloutCommand: null }));
  }
}
