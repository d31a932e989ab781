import { type ErrorCode, isErrorCode } from "@arcade/contracts";
import { AppError, toAppError } from "@arcade/core";

/**
 * What the queue keeps of a job that failed for good is its `failedReason`, a message. When
 * the worker could not record the failure on the operation row itself (database or object
 * store down), the recovery (operation-recovery.ts) records it later from that message, so the
 * message starts with the job's error code: "CODE: message". createJobWorker's own
 * UnrecoverableError uses the same form.
 */
export function queueFailure(error: unknown): Error {
  const app = toAppError(error);
  const failure = new Error(`${app.code}: ${app.message}`, { cause: error });
  failure.name = "OperationFailure";
  return failure;
}

/** The AppError a failed queue job stands for; INTERNAL when its reason carries no code (e.g. stalled too often). */
export function errorFromFailedReason(reason: string | null | undefined): AppError {
  const text = reason?.trim() || "the job ended in the queue without recording its outcome";
  const match = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(text);
  const code = match?.[1];
  if (match && isErrorCode(code)) return new AppError(code as ErrorCode, match[2] ?? "");
  return new AppError("INTERNAL", `the job ended in the queue without recording its outcome: ${text}`);
}
