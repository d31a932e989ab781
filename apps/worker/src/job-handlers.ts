import { isDeepStrictEqual } from "node:util";
import {
  AppError,
  emitJobEvent,
  failJob,
  failUnreadableJob,
  type JobAttempt,
  type JobRecord,
  type JobServices,
  type Logger,
  recordedAttempt,
  runJob,
} from "@arcade/core";
import type { JobHandlers, QueuedJob } from "@arcade/queue";

/** One delivered job: the attempt its row records, and why the queue's copy cannot be trusted (if so). */
export interface RecordedWork {
  attempt: JobAttempt;
  /** Set when the queued job disagrees with its row: the attempt fails JOB_TAMPERED without running. */
  tampered: string | null;
}

/**
 * The queue's handlers, bound to the job use cases of the core. A job runs what its row
 * records (type, plugin, payload); the queue only says which row. A queued job whose name or
 * data disagree with the row was rewritten in Redis: it fails JOB_TAMPERED, recorded on the row
 * (the audit trail of jobs), and nothing of it runs.
 */
export function jobHandlers(
  services: JobServices,
  logger: Logger = services.logger,
): JobHandlers<RecordedWork> {
  return {
    admit: async (queued) => {
      const row = await services.jobs.get(queued.jobId);
      // No row: the API never finished creating it. Failed: the enqueue was given up on (503).
      if (row === null) return { skip: "it has no row" };
      if (row.state === "failed") return { skip: "its row has already failed" };
      const attempt = recordedAttempt(row, queued.attempt);
      if (attempt === null) {
        // A finished row stays as it is; an unfinished one can never run: it fails.
        if (row.state !== "succeeded") await failUnreadableJob(services, row);
        return { skip: "its recorded payload does not fit its type" };
      }
      // Succeeded: a re-delivered job; runJob answers the stored result and runs nothing.
      if (row.state === "succeeded") return { run: { attempt, tampered: null } };
      // No need to wait for an earlier job of the plugin: every job holds its plugin's lock
      // from its first row write (an install from the update that claims its name), so no
      // other unfinished job of this plugin exists (claim-lock.int.test.ts).
      return { run: { attempt, tampered: tamperingOf(queued, row) } };
    },
    run: async ({ attempt, tampered }) => {
      if (tampered) {
        logger.warn(
          { jobId: attempt.jobId, type: attempt.type, reason: tampered },
          "queued job does not match its recorded job: refusing to run it (JOB_TAMPERED)",
        );
        throw new AppError(
          "JOB_TAMPERED",
          `the queued job was altered in Redis: ${tampered}; it was not run`,
        );
      }
      return runJob(services, attempt);
    },
    fail: (work, error) => failJob(services, work.attempt, error),
    retrying: async ({ attempt }) => {
      await services.jobs.update(attempt.jobId, { state: "queued", updatedAt: services.clock.now() });
      await emitJobEvent(services, attempt.jobId, {
        type: "state",
        state: "queued",
        attempts: attempt.attempt,
      });
    },
  };
}

/**
 * Why the queued job is not the recorded one, or null. The producer writes the job type as the
 * name and `{}` as the data; a job enqueued by an earlier version carries its payload as data,
 * which is accepted when it equals the recorded payload.
 */
function tamperingOf(queued: QueuedJob, row: JobRecord): string | null {
  // The name is whatever was written into Redis: quoted and cut short before it reaches the row.
  if (queued.name !== row.type)
    return `its name is ${JSON.stringify(queued.name.slice(0, 64))} but the job is a ${row.type}`;
  const empty = isDeepStrictEqual(queued.data, {});
  if (!empty && !isDeepStrictEqual(queued.data, row.payload)) return "its data is not the recorded payload";
  return null;
}
