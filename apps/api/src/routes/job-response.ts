import { type JobRecord, jobResource } from "@arcade/core";
import type { Context } from "hono";
import type { JobSubmitter } from "../services/job-submitter.js";

/**
 * 202 Accepted + Location for a queued job; with `?wait=N`, waits up to N
 * seconds and answers 200 with the finished job (or 202 if it is still running).
 */
export async function respondWithJob(
  c: Context,
  submitter: JobSubmitter,
  job: JobRecord,
  waitSeconds: number,
): Promise<Response> {
  let current = job;
  if (waitSeconds > 0 && current.state !== "succeeded" && current.state !== "failed") {
    current = (await submitter.wait(current.jobId, waitSeconds)) ?? current;
  }
  const finished = current.state === "succeeded" || current.state === "failed";
  c.header("Location", `/api/v1/jobs/${current.jobId}`);
  return c.json(jobResource(current), finished && waitSeconds > 0 ? 200 : 202);
}
