import type { JobPayloads, JobResult, JobType } from "@arcade/contracts";
import type { AppError } from "../errors/app-error.js";
import type { Logger } from "../ports/logger.js";
import type { JobRecord } from "../ports/plugin-repo.js";
import { retry } from "../retry/retry.js";
import type { FailedJob } from "./define-job.js";
import { emitJobEnd } from "./job-events.js";
import { JOBS } from "./registry.js";
import type { JobAttempt } from "./run-job.js";
import type { JobServices } from "./services.js";
import { toAppError } from "./to-app-error.js";

/** Tries to write the failure this often before giving up (the database may be blinking). */
const RECORD_ATTEMPTS = 3;
const RECORD_BACKOFF_MS = 200;

/**
 * A job's final failure: undo what it left behind (staged upload, stored
 * objects no retained version references, scratch files) and record the error.
 *
 * The failure is recorded only once the compensation is done, so a job that
 * reads `failed` has left nothing behind. When a passing fault (database or
 * object store down) stops the compensation or the recording, this logs one
 * error line that says what is stuck, leaves the row unfinished and rethrows:
 * the queue retries the job if it has attempts left, and otherwise the
 * workers' recovery (apps/worker) calls this again once the fault is over.
 * A compensation that fails for good (e.g. access denied) is logged and the
 * failure recorded anyway: retrying it would never end.
 *
 * An install/update whose change an earlier attempt already committed (persist)
 * is not undone: it is recorded as succeeded once its cleanup is done.
 */
export async function failJob(svc: JobServices, attempt: JobAttempt, error: AppError): Promise<void> {
  const logger = svc.logger.child({ jobId: attempt.jobId, op: attempt.type });
  let unfinished: { cause: unknown; what: string } | null = null;
  const row = await svc.jobs.get(attempt.jobId).catch((readError: unknown) => {
    // Without the row the plugin id of an install is unknown: its stored objects cannot be swept yet.
    unfinished = { cause: readError, what: "could not read its job row to undo what it left behind" };
    return null;
  });
  const pluginId = row?.pluginId ?? pluginIdOf(attempt.payload);
  try {
    await compensate(svc, { jobId: attempt.jobId, pluginId }, attempt.type, attempt.payload);
  } catch (cleanupError) {
    logger.warn(
      { err: cleanupError, pluginId },
      "compensation after failure did not finish; it is retried until it does",
    );
    unfinished = { cause: cleanupError, what: "could not finish undoing what it left behind" };
  }
  await svc.files.remove(attempt.jobId);
  const pending = unfinished as { cause: unknown; what: string } | null;
  if (pending && toAppError(pending.cause).retryable) {
    logStuck(logger, attempt, error, pluginId, pending.cause, pending.what);
    throw toAppError(pending.cause);
  }
  // The change was committed before the failure (e.g. the store went away during activate or
  // cleanup): it is in effect and nodes converge to it, and the compensation just did the
  // cleanup. Reporting "failed" would tell the client a change did not happen that did.
  const committed = await committedChange(svc, attempt, row);
  if (committed) {
    await recordOutcome(svc, attempt, error, pluginId, logger, { state: "succeeded", result: committed });
    await emitJobEnd(svc, attempt.jobId);
    logger.warn(
      { code: error.code, err: error.message, result: committed },
      "operation succeeded: its change was committed before the failure, and its cleanup is done",
    );
    return;
  }
  await recordOutcome(svc, attempt, error, pluginId, logger, { state: "failed" });
  await emitJobEnd(svc, attempt.jobId);
  logger.warn({ code: error.code, err: error.message }, "operation failed");
}

/**
 * A row whose recorded payload does not fit its job type (recordedAttempt answered null) cannot
 * run, nor be compensated by its definition: it is recorded as failed (VALIDATION_FAILED), which
 * frees its plugin.
 */
export async function failUnreadableJob(svc: JobServices, row: JobRecord): Promise<void> {
  const now = svc.clock.now();
  await svc.jobs.update(row.jobId, {
    state: "failed",
    error: {
      code: "VALIDATION_FAILED",
      message: `job ${row.jobId}: its recorded payload is not a valid ${row.type} payload; it was not run`,
    },
    finishedAt: now,
    updatedAt: now,
  });
  svc.logger.error(
    { jobId: row.jobId, type: row.type },
    "a job row with an invalid payload was failed without running",
  );
  await emitJobEnd(svc, row.jobId);
}

/** The definition of `type` undoes what its job left behind (nothing, for a job without compensate). */
async function compensate<K extends JobType>(
  svc: JobServices,
  job: FailedJob,
  type: K,
  payload: JobPayloads[K],
): Promise<void> {
  await JOBS[type].compensate?.(svc, job, payload);
}

function pluginIdOf(payload: JobPayloads[JobType]): string | null {
  return "pluginId" in payload ? payload.pluginId : null;
}

/**
 * install/update: the version and checksum an earlier attempt committed (persist records them
 * on the row before activate) while the plugin still has them, or null when nothing was
 * committed, or the job undid it (a change no node could load: PLUGIN_LOAD_FAILED). When the
 * plugin cannot be read, the row's record decides, as before the undo existed.
 */
async function committedChange(
  svc: JobServices,
  attempt: JobAttempt,
  row: JobRecord | null,
): Promise<JobResult | null> {
  if (attempt.type !== "install" && attempt.type !== "update") return null;
  const result = row?.result;
  if (typeof result?.version !== "string" || typeof result.checksum !== "string") return null;
  const pluginId = row?.pluginId;
  if (pluginId) {
    const plugin = await svc.plugins.findById(pluginId).catch(() => undefined);
    if (plugin === null) return null;
    if (plugin && (plugin.version !== result.version || plugin.checksum !== result.checksum)) return null;
  }
  return { version: result.version, checksum: result.checksum };
}

/** Writes the final state, retrying briefly; logs what is stuck and rethrows when the database does not answer. */
async function recordOutcome(
  svc: JobServices,
  attempt: JobAttempt,
  error: AppError,
  pluginId: string | null,
  logger: Logger,
  outcome: { state: "failed" } | { state: "succeeded"; result: JobResult },
): Promise<void> {
  const record = async () => {
    const now = svc.clock.now();
    await svc.jobs.update(attempt.jobId, {
      ...(outcome.state === "succeeded"
        ? { state: "succeeded", result: outcome.result, error: null, progress: 100 }
        : {
            state: "failed",
            // detail and extras as in the API's problem body: what to do next, and the ids
            // it names (PLUGIN_EXISTS: the installed plugin's pluginId).
            error: {
              ...error.extras,
              code: error.code,
              message: error.message,
              ...(error.detail ? { detail: error.detail } : {}),
              ...(error.errors.length ? { errors: error.errors } : {}),
            },
          }),
      finishedAt: now,
      updatedAt: now,
    });
  };
  let lastError: unknown;
  try {
    return await retry(record, { attempts: RECORD_ATTEMPTS, baseDelayMs: RECORD_BACKOFF_MS });
  } catch (recordError) {
    lastError = recordError;
  }
  logStuck(
    logger,
    attempt,
    error,
    pluginId,
    lastError,
    `could not record the ${outcome.state === "succeeded" ? "outcome" : "failure"}: the database did not answer`,
  );
  throw toAppError(lastError);
}

/** The one error line of a failure that could not be completed, with what happens next and the manual way out. */
function logStuck(
  logger: Logger,
  attempt: JobAttempt,
  error: AppError,
  pluginId: string | null,
  cause: unknown,
  what: string,
): void {
  logger.error(
    { jobId: attempt.jobId, pluginId, code: error.code, err: cause },
    `job ${attempt.jobId} failed (${error.code}) but ${what}. ` +
      `Its job row stays unfinished${pluginId ? ` and keeps plugin ${pluginId} locked` : ""}. ` +
      "The queue retries the job if it has attempts left; otherwise a worker finishes the failure once the " +
      "database and object store answer again. To give up on it by hand: " +
      `UPDATE t_plugin_operation SET state='failed', lock_key=NULL WHERE job_id='${attempt.jobId}'`,
  );
}
