import { setTimeout as sleep } from "node:timers/promises";
import { getJob, type JobResource, type JobStep, type JobStreamEvent, jobEvents } from "@arcade/contracts";
import type { ApiClient } from "../api-client.js";
import { ApiError, ConnectionError } from "../errors.js";
import { stepLine } from "../output/job-format.js";
import type { Output } from "../output/output.js";
import { rolloutProgressLine } from "../output/rollout-format.js";
import { readServerSentEvents } from "./server-sent-events.js";

export function isFinished(job: JobResource): boolean {
  return job.state === "succeeded" || job.state === "failed";
}

export interface FollowOptions {
  /** Time between polls, when the job is read rather than streamed. */
  intervalMs: number;
  /** Consecutive failed reads tolerated (a restarting API, a 503) before giving up. */
  maxPollFailures?: number;
  /** A stream silent this long (no event, no keep-alive) is reopened. Default 60 s. */
  idleTimeoutMs?: number;
}

/**
 * Follows a job until it ends, printing a line whenever a step changes state (and when the
 * worker retries, and as nodes report), and answers the final job. It listens to the job's live
 * events (GET /jobs/{jobId}/events), reconnecting with Last-Event-ID when the stream breaks; a
 * server without them (or over its limit of streams) is polled instead.
 */
export async function followJob(
  client: ApiClient,
  first: JobResource,
  out: Output,
  options: FollowOptions,
): Promise<JobResource> {
  const printer = new JobPrinter(out, first.attempts);
  out.progress(
    `job ${first.jobId}: ${first.type}${first.pluginId ? ` ${first.pluginId}` : ""} (${first.state})`,
  );
  printer.job(first);
  if (isFinished(first)) return first;
  const streamed = await streamJob(client, first.jobId, printer, options);
  return streamed ?? pollJob(client, first, printer, options);
}

/** Prints each change once: a step's new state, a new attempt, a node's report. */
class JobPrinter {
  private readonly seen = new Map<string, string>();

  constructor(
    readonly out: Output,
    private attempts: number,
  ) {}

  job(job: JobResource): void {
    this.attempt(job.attempts);
    for (const step of job.steps) this.step(step);
  }

  attempt(attempts: number): void {
    if (attempts <= this.attempts) return;
    // A retry runs the steps again: show them again.
    if (this.attempts > 0) this.out.progress(`  ↻ attempt ${attempts}`);
    this.seen.clear();
    this.attempts = attempts;
  }

  step(step: JobStep): void {
    if (step.state === "pending" || this.seen.get(step.name) === step.state) return;
    this.seen.set(step.name, step.state);
    this.out.progress(stepLine(step));
  }

  node(event: Extract<JobStreamEvent, { type: "node" }>): void {
    this.out.progress(
      event.outcome === "applied"
        ? `    · node ${event.nodeId} applied revision ${event.revision}`
        : `    ✗ node ${event.nodeId}: ${event.error ?? "failed"}`,
    );
  }
}

/**
 * The final job from the live events, or null when the server does not stream them (an older
 * server, 404/405/406) or cannot now (429, 503): the caller polls instead.
 */
async function streamJob(
  client: ApiClient,
  jobId: string,
  printer: JobPrinter,
  options: FollowOptions,
): Promise<JobResource | null> {
  let lastEventId: string | undefined;
  let failures = 0;
  for (;;) {
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), options.idleTimeoutMs ?? 60_000);
    };
    try {
      arm();
      const response = await client.open(
        jobEvents,
        { params: { jobId }, ...(lastEventId ? { headers: { "last-event-id": lastEventId } } : {}) },
        { accept: "text/event-stream", signal: idle.signal },
      );
      if (!response.body) return null;
      let heard = false;
      for await (const message of readServerSentEvents(response.body, arm)) {
        heard = true;
        failures = 0;
        if (message.id) lastEventId = message.id;
        const event = JSON.parse(message.data) as JobStreamEvent;
        if (event.type === "job") printer.job(event.job);
        else if (event.type === "state") printer.attempt(event.attempts);
        else if (event.type === "step") printer.step(event.step);
        else if (event.type === "node") printer.node(event);
        else if (event.type === "rollout") printer.out.progress(rolloutProgressLine(event.rollout));
        else if (event.type === "end") {
          printer.job(event.job);
          return event.job;
        }
      }
      // The server closed the stream before the end (its time limit, a restart): reopen it, after
      // a pause when it sent nothing at all; a server that keeps doing that is polled instead.
      if (!heard) {
        if (++failures > (options.maxPollFailures ?? 5)) return null;
        await sleep(options.intervalMs);
      }
    } catch (error) {
      if (error instanceof ApiError) {
        const { status, code } = error.problem;
        if (code === "JOB_NOT_FOUND") throw error;
        if ([404, 405, 406, 429, 501, 503].includes(status)) return null;
        throw error;
      }
      if (!(error instanceof ConnectionError) && !idle.signal.aborted && !isStreamBreak(error)) throw error;
      if (++failures > (options.maxPollFailures ?? 5)) throw error;
      await sleep(options.intervalMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The body broke off mid-stream (the server went away): worth reopening. */
function isStreamBreak(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: string } | null)?.name === "AbortError";
}

/** Reads the job every intervalMs until it ends. */
async function pollJob(
  client: ApiClient,
  first: JobResource,
  printer: JobPrinter,
  options: FollowOptions,
): Promise<JobResource> {
  let job = first;
  let failures = 0;
  while (!isFinished(job)) {
    await sleep(options.intervalMs);
    try {
      job = (await client.call(getJob, { params: { jobId: job.jobId } })).body;
      failures = 0;
    } catch (error) {
      if (!isPassing(error) || ++failures > (options.maxPollFailures ?? 5)) throw error;
      continue;
    }
    printer.job(job);
  }
  return job;
}

function isPassing(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  return error instanceof ApiError && (error.problem.status === 503 || error.problem.status === 429);
}
