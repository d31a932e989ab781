import { randomUUID } from "node:crypto";
import type { JobPayloads, JobType } from "@arcade/contracts";
import { AppError, type Clock, type OperationRecord, type OperationRepo } from "@arcade/core";
import type { JobQueue } from "../deps.js";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function newJobId(): string {
  return randomUUID();
}

/**
 * Turns a request into a durable operation row and a queued job. The row is
 * written first (its unique lock key is what makes a second mutation of the
 * same plugin a 409), then the job is enqueued under the same id.
 */
export class JobSubmitter {
  constructor(
    private readonly operations: OperationRepo,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
  ) {}

  /** `requestedBy:key`, so two callers cannot collide on a key; 400 on a malformed key. */
  scopeIdempotencyKey(requestedBy: string, header: string | undefined): string | null {
    if (header === undefined) return null;
    if (!IDEMPOTENCY_KEY.test(header)) {
      throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1-200 printable ASCII characters", {
        errors: [{ path: "/headers/idempotency-key", message: "must be 1-200 printable ASCII characters" }],
      });
    }
    return `${requestedBy}:${header}`;
  }

  /** The job an earlier request with this key created, within the 24 h window. */
  async replay(scopedKey: string | null): Promise<OperationRecord | null> {
    if (!scopedKey) return null;
    const found = await this.operations.findByIdempotencyKey(scopedKey);
    if (!found) return null;
    if (this.clock.now().getTime() - found.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) return null;
    return found;
  }

  /** 409 OPERATION_IN_PROGRESS before any work, when the plugin is busy. */
  async assertIdle(pluginId: string): Promise<void> {
    const busy = await this.operations.findUnfinished(pluginId);
    if (busy) throw inProgress(pluginId, busy.jobId);
  }

  async submit<T extends JobType>(request: {
    jobId: string;
    type: T;
    pluginId: string | null;
    payload: JobPayloads[T];
    requestedBy: string;
    idempotencyKey: string | null;
  }): Promise<OperationRecord> {
    const now = this.clock.now();
    const { created, operation } = await this.operations.create({
      jobId: request.jobId,
      type: request.type,
      pluginId: request.pluginId,
      lockKey: request.pluginId,
      idempotencyKey: request.idempotencyKey,
      state: "queued",
      step: null,
      progress: 0,
      steps: [],
      attempts: 0,
      payload: request.payload as Record<string, unknown>,
      error: null,
      result: null,
      requestedBy: request.requestedBy,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    });
    if (!created) return operation;
    try {
      await this.queue.enqueue(request.type, request.jobId, request.payload);
    } catch (error) {
      const appError =
        error instanceof AppError
          ? error
          : new AppError("QUEUE_UNAVAILABLE", String((error as Error).message));
      const at = this.clock.now();
      await this.operations
        .update(request.jobId, {
          state: "failed",
          error: { code: appError.code, message: appError.message },
          finishedAt: at,
          updatedAt: at,
        })
        .catch(() => {});
      throw appError;
    }
    return operation;
  }

  /** Polls the operation until it finishes or `seconds` pass. */
  async wait(jobId: string, seconds: number): Promise<OperationRecord | null> {
    const deadline = Date.now() + seconds * 1000;
    let delay = 50;
    for (;;) {
      const op = await this.operations.get(jobId);
      if (!op || op.state === "succeeded" || op.state === "failed" || Date.now() >= deadline) return op;
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 500);
    }
  }
}

export function inProgress(pluginId: string, jobId: string): AppError {
  return new AppError("OPERATION_IN_PROGRESS", `plugin ${pluginId} has an unfinished operation`, {
    detail: `Wait for job ${jobId} to finish (GET /api/v1/jobs/${jobId}), then try again.`,
    extras: { inFlightJobId: jobId },
  });
}
