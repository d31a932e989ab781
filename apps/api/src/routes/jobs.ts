import { getJob, listJobs, ROLLOUT_COMMAND_ROUTES, type RolloutCommand } from "@arcade/contracts";
import { AppError, jobResource } from "@arcade/core";
import type { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { ContractRouter } from "../http/contract-router.js";
import { JobSubmitter } from "../services/job-submitter.js";
import { jobEventRoutes } from "./job-events.js";
import { sendRolloutCommand } from "./rollout-commands.js";

const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Every /api/v1/jobs route, in one router. */
export function jobRoutes(deps: ApiDeps): Hono {
  const submitter = new JobSubmitter(deps.jobs, deps.queue, deps.clock, deps.jobEvents ?? null);
  const router = new ContractRouter("/api/v1/jobs", deps.limits)
    .on(listJobs, async (c, { query }) => {
      const { items, total } = await deps.jobs.list(query);
      return c.json({ items: items.map(jobResource), total, page: query.page, pageSize: query.pageSize });
    })
    .on(getJob, async (c, { params, query }) => {
      const { jobId } = params;
      const job = JOB_ID.test(jobId)
        ? query.wait > 0
          ? await submitter.wait(jobId, query.wait)
          : await deps.jobs.get(jobId)
        : null;
      if (!job) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId.slice(0, 100)}`);
      return c.json(jobResource(job));
    });
  // POST /{jobId}/pause|resume|abort|promote (operator): commands to the job's rollout.
  for (const command of Object.keys(ROLLOUT_COMMAND_ROUTES) as RolloutCommand[]) {
    router.on(ROLLOUT_COMMAND_ROUTES[command], async (c, { params, body }) => {
      if (!JOB_ID.test(params.jobId)) {
        throw new AppError("JOB_NOT_FOUND", `no job with id ${params.jobId.slice(0, 100)}`);
      }
      const job = await sendRolloutCommand(
        { jobs: deps.jobs, rolloutCommands: deps.rolloutCommands, now: () => deps.clock.now() },
        { jobId: params.jobId, command, by: c.get("principal").name, reason: body.reason },
      );
      return c.json(job);
    });
  }
  // GET /{jobId}/events (contract: jobEvents), a stream with its own reader of Last-Event-ID.
  router.app.route("/", jobEventRoutes({ jobs: deps.jobs, jobEvents: deps.jobEvents ?? null }));
  return router.app;
}
