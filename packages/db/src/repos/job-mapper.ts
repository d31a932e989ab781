import type { JobError, JobResult, JobState, JobStep, JobType, StepName } from "@arcade/contracts";
import type { JobRecord } from "@arcade/core";
import type { PluginOperationEntity } from "../entities/plugin-operation-entity.js";
import { parseJson, parseJsonOrNull, toJson, toJsonOrNull } from "./json-column.js";

export function toJobRecord(row: PluginOperationEntity): JobRecord {
  return {
    jobId: row.jobId,
    type: row.type as JobType,
    pluginId: row.pluginId,
    lockKey: row.lockKey,
    idempotencyKey: row.idempotencyKey,
    state: row.state as JobState,
    step: row.step as StepName | null,
    progress: row.progress,
    steps: parseJson<JobStep[]>(row.steps, "t_plugin_operation.steps"),
    attempts: row.attempts,
    payload: parseJson<Record<string, unknown>>(row.payload, "t_plugin_operation.payload"),
    error: parseJsonOrNull<JobError>(row.error, "t_plugin_operation.error"),
    result: parseJsonOrNull<JobResult>(row.result, "t_plugin_operation.result"),
    requestedBy: row.requestedBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
  };
}

/** Entity columns for the fields present in `patch` (undefined means "leave alone"). */
export function jobColumns(patch: Partial<JobRecord>): Partial<PluginOperationEntity> {
  const out: Partial<PluginOperationEntity> = {};
  const set = <K extends keyof PluginOperationEntity>(key: K, value: PluginOperationEntity[K]) => {
    out[key] = value;
  };
  if (patch.jobId !== undefined) set("jobId", patch.jobId);
  if (patch.type !== undefined) set("type", patch.type);
  if (patch.pluginId !== undefined) set("pluginId", patch.pluginId);
  if (patch.lockKey !== undefined) set("lockKey", patch.lockKey);
  if (patch.idempotencyKey !== undefined) set("idempotencyKey", patch.idempotencyKey);
  if (patch.state !== undefined) set("state", patch.state);
  if (patch.step !== undefined) set("step", patch.step);
  if (patch.progress !== undefined) set("progress", patch.progress);
  if (patch.steps !== undefined) set("steps", toJson(patch.steps));
  if (patch.attempts !== undefined) set("attempts", patch.attempts);
  if (patch.payload !== undefined) set("payload", toJson(patch.payload));
  if (patch.error !== undefined) set("error", toJsonOrNull(patch.error));
  if (patch.result !== undefined) set("result", toJsonOrNull(patch.result));
  if (patch.requestedBy !== undefined) set("requestedBy", patch.requestedBy);
  if (patch.createdAt !== undefined) set("createdAt", patch.createdAt);
  if (patch.updatedAt !== undefined) set("updatedAt", patch.updatedAt);
  if (patch.finishedAt !== undefined) set("finishedAt", patch.finishedAt);
  return out;
}
