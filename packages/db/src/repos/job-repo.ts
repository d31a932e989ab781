import type { JobState } from "@arcade/contracts";
import { AppError, type JobListFilter, type JobRecord, type JobRepo } from "@arcade/core";
import { PluginOperationEntity } from "../entities/plugin-operation-entity.js";
import { isUniqueViolation } from "../errors.js";
import type { DbSession } from "../session.js";
import { jobColumns, toJobRecord } from "./job-mapper.js";
import { pageWindow } from "./paging.js";

const FINISHED: readonly JobState[] = ["succeeded", "failed"];

/** A clash whose holder vanished before we could read it (it just finished) is retried this often. */
const CREATE_ATTEMPTS = 3;

export class TypeOrmJobRepo implements JobRepo {
  constructor(private readonly session: DbSession) {}

  /**
   * Inserts a job row, and on a unique clash works out which key clashed by reading, not by parsing the
   * driver's message: the same idempotency key returns the existing job (even if that job is
   * the one holding the lock), a held lock key is OPERATION_IN_PROGRESS, and a re-sent job id
   * returns the job already stored under it.
   */
  async create(op: JobRecord): Promise<{ created: boolean; operation: JobRecord }> {
    let lastClash: unknown;
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      try {
        await this.session.run((m) => m.insert(PluginOperationEntity, jobColumns(op)));
        const stored = await this.get(op.jobId);
        return { created: true, operation: stored ?? op };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        lastClash = error;
      }
      if (op.idempotencyKey !== null) {
        const existing = await this.findByIdempotencyKey(op.idempotencyKey);
        if (existing !== null) return { created: false, operation: existing };
      }
      if (op.lockKey !== null) {
        const holder = await this.findUnfinished(op.lockKey);
        if (holder !== null) throw inProgress(holder, lastClash);
      }
      const sameJob = await this.get(op.jobId);
      if (sameJob !== null) return { created: false, operation: sameJob };
    }
    throw lastClash;
  }

  get(jobId: string): Promise<JobRecord | null> {
    return this.findOne({ jobId });
  }

  findByIdempotencyKey(key: string): Promise<JobRecord | null> {
    return this.findOne({ idempotencyKey: key });
  }

  /** lock_key is set only while a job is unfinished, so its holder is the unfinished one. */
  findUnfinished(lockKey: string): Promise<JobRecord | null> {
    return this.findOne({ lockKey });
  }

  /**
   * Finishing (state succeeded/failed) clears lock_key, freeing the plugin for the next
   * operation, and stamps finished_at unless the patch gives it.
   */
  async update(jobId: string, patch: Partial<Omit<JobRecord, "jobId" | "createdAt">>): Promise<void> {
    const now = new Date();
    const columns = jobColumns(patch);
    delete columns.jobId;
    delete columns.createdAt;
    columns.updatedAt = patch.updatedAt ?? now;
    if (patch.state !== undefined && FINISHED.includes(patch.state)) {
      columns.lockKey = null;
      if (patch.finishedAt === undefined) columns.finishedAt = now;
    }
    try {
      await this.session.run((m) => m.update(PluginOperationEntity, { jobId }, columns));
    } catch (error) {
      if (!isUniqueViolation(error) || patch.lockKey === undefined || patch.lockKey === null) throw error;
      const holder = await this.findUnfinished(patch.lockKey);
      if (holder === null) throw error;
      throw inProgress(holder, error);
    }
  }

  /** Newest first. */
  async list(filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }> {
    const { offset, limit } = pageWindow(filter.page, filter.pageSize);
    return this.session.run(async (m) => {
      const qb = m.createQueryBuilder(PluginOperationEntity, "o");
      if (filter.pluginId !== undefined) qb.andWhere("o.pluginId = :pluginId", filter);
      if (filter.state !== undefined) qb.andWhere("o.state = :state", filter);
      if (filter.type !== undefined) qb.andWhere("o.type = :type", filter);
      const [rows, total] = await qb
        .orderBy("o.createdAt", "DESC")
        .addOrderBy("o.jobId", "DESC")
        .offset(offset)
        .limit(limit)
        .getManyAndCount();
      return { items: rows.map(toJobRecord), total };
    });
  }

  prune(olderThan: Date): Promise<number> {
    return this.session.run(async (m) => {
      const cutoff = this.session.toColumnValue(PluginOperationEntity, "finishedAt", olderThan);
      const result = await m
        .createQueryBuilder()
        .delete()
        .from(PluginOperationEntity)
        .where("state IN (:...finished)", { finished: FINISHED })
        .andWhere("finished_at < :cutoff", { cutoff })
        .execute();
      return result.affected ?? 0;
    });
  }

  private findOne(where: { jobId: string } | { idempotencyKey: string } | { lockKey: string }) {
    return this.session.run(async (m) => {
      const row = await m.findOneBy(PluginOperationEntity, where);
      return row === null ? null : toJobRecord(row);
    });
  }
}

function inProgress(holder: JobRecord, cause: unknown): AppError {
  return new AppError(
    "OPERATION_IN_PROGRESS",
    `plugin ${holder.pluginId ?? "?"} already has an unfinished ${holder.type} job (${holder.jobId})`,
    { cause, extras: { inFlightJobId: holder.jobId } },
  );
}
