import { Type } from "@sinclair/typebox";
import { JOB_STATES, JOB_TYPES } from "../job.js";
import type { RolloutCommand } from "../rollout.js";
import { JobIdParams, QueryInt, QueryOneOf, QueryText } from "./common.js";
import { JobPageSchema, JobSchema } from "./resources.js";
import { defineRoute } from "./route.js";

export const listJobs = defineRoute({
  method: "GET",
  path: "/api/v1/jobs",
  operationId: "listJobs",
  tag: "jobs",
  summary: "List jobs, newest first",
  access: "viewer",
  query: Type.Object({
    pluginId: QueryText(100, "Only this plugin's jobs."),
    state: QueryOneOf(JOB_STATES, "Only jobs in this state."),
    type: QueryOneOf(JOB_TYPES, "Only jobs of this type."),
    page: QueryInt(1, 1_000_000, 1),
    pageSize: QueryInt(1, 200, 20),
  }),
  ok: { status: [200], description: "A page of jobs.", json: JobPageSchema },
  errors: [400],
});

export const getJob = defineRoute({
  method: "GET",
  path: "/api/v1/jobs/{jobId}",
  operationId: "getJob",
  tag: "jobs",
  summary: "A job's state, steps, error and result",
  access: "viewer",
  params: JobIdParams,
  query: Type.Object({
    wait: QueryInt(0, 60, 0, "Seconds to wait for the job to finish before answering."),
  }),
  ok: {
    status: [200],
    description: "The job (finished, or as it is when the wait ran out).",
    json: JobSchema,
  },
  errors: [400, 404],
});

export const jobEvents = defineRoute({
  method: "GET",
  path: "/api/v1/jobs/{jobId}/events",
  operationId: "jobEvents",
  tag: "jobs",
  summary: "A job's live events (Server-Sent Events)",
  description:
    "Every state change, step, progress, node report and rollout state as it happens (`event:` the type, `data:` JSON, `id:` the position). Send `Last-Event-ID` to resume after an event. The stream closes after the `end` event.",
  access: "viewer",
  params: JobIdParams,
  ok: {
    status: [200],
    description:
      "An event stream: `job` (the job as stored, on a fresh stream), then `state`, `step`, `node` and `rollout` (the whole RolloutState after each change: step, phase, nodes per version, the last verdict with its figures) events as they happen, and `end` with the final job.",
    content: { "text/event-stream": Type.String() },
  },
  // 429: this API process already serves its limit of live streams; 503: no live events here (Redis).
  errors: [400, 404, 429, 503],
});

/** The body of a rollout command: why (kept on the rollout state as its `reason`). */
export const RolloutCommandBodySchema = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 500, description: "Why; shown with the rollout state." })),
  },
  { additionalProperties: false },
);

const COMMAND_EFFECT: Record<RolloutCommand, string> = {
  pause:
    "Stops the clock of the current hold: the rollout stays where it is until resumed, promoted or aborted.",
  resume: "Goes on with a paused rollout: the current step is watched a full hold again.",
  abort: "Rolls the nodes that run the new version back to the old one; the job fails ROLLOUT_ABORTED.",
  promote: "Puts every remaining node on the new version at once (no more holds); the job then succeeds.",
};

/** `POST /api/v1/jobs/{jobId}/{command}`: an operator's command to the job's running rollout. */
function rolloutCommandRoute<const C extends RolloutCommand>(command: C) {
  return defineRoute({
    method: "POST",
    path: `/api/v1/jobs/{jobId}/${command}` as `/api/v1/jobs/{jobId}/${C}`,
    operationId: `${command}Rollout` as `${C}Rollout`,
    tag: "jobs",
    summary: `${command[0]?.toUpperCase()}${command.slice(1)} a job's rollout`,
    description: `${COMMAND_EFFECT[command]} The worker driving the rollout acts on it within a second; the answer waits (a few seconds at most) for it. One command at a time: while one waits for the worker, another is refused (409 ROLLOUT_CONFLICT).`,
    access: "operator",
    params: JobIdParams,
    body: { json: RolloutCommandBodySchema },
    ok: {
      status: [200],
      description:
        "The job, with the rollout state after the command (`result.rollout`), once the worker acted on it or the wait ran out.",
      json: JobSchema,
    },
    // 404 JOB_NOT_FOUND; 409 ROLLOUT_CONFLICT: no rollout, ended, does not apply, or another command pending.
    errors: [400, 404, 409],
  });
}

export const pauseRollout = rolloutCommandRoute("pause");
export const resumeRollout = rolloutCommandRoute("resume");
export const abortRollout = rolloutCommandRoute("abort");
export const promoteRollout = rolloutCommandRoute("promote");

/** The four commands' routes, by command. */
export const ROLLOUT_COMMAND_ROUTES = {
  pause: pauseRollout,
  resume: resumeRollout,
  abort: abortRollout,
  promote: promoteRollout,
} as const;

export const JOB_ROUTES = [
  listJobs,
  getJob,
  jobEvents,
  pauseRollout,
  resumeRollout,
  abortRollout,
  promoteRollout,
] as const;
