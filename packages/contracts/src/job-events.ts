import type { JobResource, JobState, JobStep } from "./job.js";
import type { RolloutState } from "./rollout.js";

/**
 * One event of a job's live stream, `GET /api/v1/jobs/{jobId}/events` (Server-Sent Events; the
 * SSE `event:` field is the `type`, `data:` the JSON of the event, `id:` its position in the
 * job's Redis stream, which `Last-Event-ID` resumes after).
 */
export type JobEvent =
  /** The job was (re)queued or an attempt started running. */
  | { type: "state"; state: JobState; attempts: number }
  /** A step changed state; `progress` is the job's progress after it (0-100). */
  | { type: "step"; step: JobStep; progress: number }
  /** A node reported what it did with the job's revision. */
  | { type: "node"; nodeId: string; revision: number; outcome: "applied" | "failed"; error?: string }
  /**
   * The job's rollout changed state (a step applied, a hold ended, a verdict, an operator's
   * command, the end): the whole state, as the job resource's `result.rollout` now has it.
   */
  | { type: "rollout"; rollout: RolloutState }
  /** The job ended; the stream closes after this event. */
  | { type: "end"; job: JobResource };

export type JobEventType = JobEvent["type"];

/**
 * What `GET /jobs/{jobId}/events` sends: the job's events, opened by one `job` event (not on a
 * resume) with the job as the database had it when the stream opened; its `id:` is the stream
 * position that snapshot covers, so a reconnect with it misses nothing.
 */
export type JobStreamEvent = JobEvent | { type: "job"; job: JobResource };
