import { type ErrorCode, isErrorCode } from "@arcade/contracts";
import { type AppError, toAppError } from "@arcade/core";

/** A job's error as it crosses the queue: BullMQ keeps it as the job's `failedReason`. */
export interface QueueFailure {
  code: ErrorCode;
  message: string;
}

/**
 * The error a processor throws so that BullMQ's `failedReason` is the job's own error as JSON
 * (`{"code":"DATABASE_UNAVAILABLE","message":"..."}`), read back with readQueueFailure. The
 * recovery (apps/worker job-recovery.ts) records that code when the worker could not record
 * the failure itself. Raw errors are named by their transient code (toAppError).
 */
export class QueueFailureError extends Error {
  readonly failure: QueueFailure;

  constructor(error: unknown) {
    const app: AppError = toAppError(error);
    const failure: QueueFailure = { code: app.code, message: app.message };
    super(queueFailureReason(failure), { cause: error });
    this.name = "QueueFailureError";
    this.failure = failure;
  }
}

export function queueFailureReason(failure: QueueFailure): string {
  return JSON.stringify({ code: failure.code, message: failure.message });
}

/**
 * The failure a `failedReason` carries, checked as it is read: JSON with a known error code and
 * a message. Anything else (BullMQ's own reasons, e.g. "job stalled more than allowable limit",
 * or a reason written by hand) is null: the caller decides what that means.
 */
export function readQueueFailure(reason: string | null | undefined): QueueFailure | null {
  if (!reason) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reason);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const code: unknown = Reflect.get(parsed, "code");
  const message: unknown = Reflect.get(parsed, "message");
  if (!isErrorCode(code) || typeof message !== "string") return null;
  return { code, message };
}
