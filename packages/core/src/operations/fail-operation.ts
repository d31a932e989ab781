import { join } from "node:path";
import type { JobPayloads } from "@arcade/contracts";
import type { AppError } from "../errors/app-error.js";
import type { Logger } from "../ports/logger.js";
import { removeQuietly } from "./files.js";
import { sweepPluginObjects } from "./orphan-sweep.js";
import type { OperationAttempt } from "./run-operation.js";
import type { OperationServices } from "./services.js";
import { toAppError } from "./to-app-error.js";

/** Tries to write the failure this often before giving up (the database may be blinking). */
const RECORD_ATTEMPTS = 3;
const RECORD_BACKOFF_MS = 200;

/**
 * A job's final failure: undo what it left behind (staged upload, stored
 * objects no retained version references, scratch files) and record the error.
 *
 * Compensation is best effort and never hides the job's own error. When the
 * failure cannot be recorded (database down), this logs one error line that
 * says what is stuck and how to unstick it, then rethrows: the queue then
 * retries the job if it has attempts left, and a later attempt records it.
 */
export async function failOperation(
  svc: OperationServices,
  attempt: OperationAttempt,
  error: AppError,
): Promise<void> {
  const logger = svc.logger.child({ jobId: attempt.jobId, op: attempt.type });
  const payload = attempt.payload as Partial<JobPayloads["install"] & JobPayloads["update"]>;
  const operation = await svc.operations.get(attempt.jobId).catch((readError: unknown) => {
    logger.warn({ err: readError }, "could not read the operation row before compensating");
    return null;
  });
  const pluginId = operation?.pluginId ?? payload.pluginId ?? null;
  await compensate(svc, attempt, payload, pluginId, logger);
  await removeQuietly(join(svc.settings.workDir, attempt.jobId));
  await recordFailure(svc, attempt, error, pluginId, logger);
  logger.warn({ code: error.code, err: error.message }, "operation failed");
}

async function compensate(
  svc: OperationServices,
  attempt: OperationAttempt,
  payload: Partial<JobPayloads["install"]>,
  pluginId: string | null,
  logger: Logger,
): Promise<void> {
  try {
    if (payload.artifact?.source === "local") await svc.store.delete(payload.artifact.staged.key);
    if (pluginId && (attempt.type === "install" || attempt.type === "update")) {
      await sweepPluginObjects(svc.store, svc.plugins, pluginId);
    }
  } catch (cleanupError) {
    logger.warn(
      { err: cleanupError, pluginId },
      "compensation after failure did not finish; the next install/update of this plugin sweeps what is left",
    );
  }
}

async function recordFailure(
  svc: OperationServices,
  attempt: OperationAttempt,
  error: AppError,
  pluginId: string | null,
  logger: Logger,
): Promise<void> {
  let lastError: unknown;
  for (let i = 0; i < RECORD_ATTEMPTS; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, RECORD_BACKOFF_MS * 2 ** (i - 1)));
    const now = svc.clock.now();
    try {
      await svc.operations.update(attempt.jobId, {
        state: "failed",
        error: {
          code: error.code,
          message: error.message,
          ...(error.errors.length ? { errors: error.errors } : {}),
        },
        finishedAt: now,
        updatedAt: now,
      });
      return;
    } catch (recordError) {
      lastError = recordError;
    }
  }
  logger.error(
    { jobId: attempt.jobId, pluginId, code: error.code, err: lastError },
    `could not record the failure (${error.code}) of job ${attempt.jobId}: the database did not answer. ` +
      `Its operation row stays unfinished${pluginId ? ` and keeps plugin ${pluginId} locked` : ""}. ` +
      "The queue retries the job if it has attempts left; otherwise, once the database is back, run " +
      `UPDATE t_plugin_operation SET state='failed', lock_key=NULL WHERE job_id='${attempt.jobId}'`,
  );
  throw toAppError(lastError);
}
