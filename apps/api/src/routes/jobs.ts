import { JOB_STATES, JOB_TYPES } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { QueryReader } from "../http/query.js";
import { JobSubmitter } from "../services/job-submitter.js";
import { jobView } from "../views/job-view.js";

const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function jobRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const viewer = requireRole("viewer");
  const submitter = new JobSubmitter(deps.jobs, deps.queue, deps.clock);

  app.get("/", viewer, async (c) => {
    const query = new QueryReader(c.req.query());
    const filter = {
      pluginId: query.text("pluginId", 100),
      state: query.oneOf("state", JOB_STATES),
      type: query.oneOf("type", JOB_TYPES),
      page: query.int("page", 1, 1, 1_000_000),
      pageSize: query.int("pageSize", 20, 1, 200),
    };
    query.done();
    const { items, total } = await deps.jobs.list(filter);
    return c.json({ items: items.map(jobView), total, page: filter.page, pageSize: filter.pageSize });
  });

  app.get("/:jobId", viewer, async (c) => {
    const jobId = c.req.param("jobId");
    const query = new QueryReader(c.req.query());
    const wait = query.int("wait", 0, 0, 60);
    query.done();
    const op = JOB_ID.test(jobId)
      ? wait > 0
        ? await submitter.wait(jobId, wait)
        : await deps.jobs.get(jobId)
      : null;
    if (!op) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId.slice(0, 100)}`);
    return c.json(jobView(op));
  });

  return app;
}
