import type { JobRecord } from "@arcade/core";
import type { Context } from "hono";
import { QueryReader } from "../http/query.js";
import type { JobSubmitter } from "../services/job-submitter.js";
import { jobView } from "../views/job-view.js";

const MAX_WAIT_SECONDS = 60;

export function readWaitSeconds(c: Context): number {
  const query = new QueryReader(c.req.query());
  const wait = query.int("wait", 0, 0, MAX_WAIT_SECONDS);
  query.done();
  return wait;
}

/**
 * 202 Accepted + Location for a queued job; with `?wait=N`, waits up to N
 * seconds and answers 200 with the finished job (or 202 if it is still running).
 */
export async function respondWithJob(
  c: Context,
  submitter: JobSubmitter,
  operation: JobRecord,
  waitSeconds: number,
): Promise<Response> {
  let op = operation;
  if (waitSeconds > 0 && op.state !== "succeeded" && op.state !== "failed") {
    op = (await submitter.wait(op.jobId, waitSeconds)) ?? op;
  }
  const finished = op.state === "succeeded" || op.state === "failed";
  c.header("Location", `/api/v1/jobs/${op.jobId}`);
  return c.json(jobView(op), finished && waitSeconds > 0 ? 200 : 202);
}
