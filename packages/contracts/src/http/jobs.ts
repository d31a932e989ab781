import { Type } from "@sinclair/typebox";
import { JOB_STATES, JOB_TYPES } from "../job.js";
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
    "Every state change, step, progress and node report as it happens (`event:` the type, `data:` JSON, `id:` the position). Send `Last-Event-ID` to resume after an event. The stream closes after the `end` event.",
  access: "viewer",
  params: JobIdParams,
  ok: {
    status: [200],
    description:
      "An event stream: `job` (the job as stored, on a fresh stream), then `state`, `step` and `node` events as they happen, and `end` with the final job.",
    content: { "text/event-stream": Type.String() },
  },
  // 429: this API process already serves its limit of live streams; 503: no live events here (Redis).
  errors: [400, 404, 429, 503],
});

export const JOB_ROUTES = [listJobs, getJob, jobEvents] as const;
