import type { JobResult } from "@arcade/contracts";
import type { RolloutCommandRecord, RolloutCommandStore } from "@arcade/core";
import { PluginOperationEntity } from "../entities/plugin-operation-entity.js";
import type { DbSession } from "../session.js";
import { parseJsonOrNull, toJson, toJsonOrNull } from "./json-column.js";

/**
 * Operators' rollout commands in the job row (t_plugin_operation.rollout_command). `offer` is one
 * conditional UPDATE (`... WHERE rollout_command IS NULL AND result = <the result the API
 * checked>`): of two commands sent at once, exactly one changes the row; the other sees no row
 * changed and is refused. The result column holds JSON.stringify of the result, so the same
 * serialisation of the parsed value compares equal.
 */
export class TypeOrmRolloutCommandRepo implements RolloutCommandStore {
  constructor(private readonly session: DbSession) {}

  offer(jobId: string, command: RolloutCommandRecord, seen: JobResult | null): Promise<boolean> {
    const seenJson = toJsonOrNull(seen);
    return this.session.run(async (m) => {
      const query = m
        .createQueryBuilder()
        .update(PluginOperationEntity)
        .set({ rolloutCommand: toJson(command) })
        .where("job_id = :jobId", { jobId })
        .andWhere("rollout_command IS NULL");
      if (seenJson === null) query.andWhere("result IS NULL");
      else query.andWhere("result = :seen", { seen: seenJson });
      const result = await query.execute();
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
