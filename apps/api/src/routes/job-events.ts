import { compareStreamIds, STREAM_ID, STREAM_START } from "@arcade/bus";
import type { JobEvent, JobStreamEvent } from "@arcade/contracts";
import { AppError, type JobRepo, jobResource } from "@arcade/core";
import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { JobEventFeed } from "../deps.js";
import { requireRole } from "../http/auth.js";

const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

export interface JobEventRouteDeps {
  jobs: Pick<JobRepo, "get">;
  /** Absent or null: the route answers 503 QUEUE_UNAVAILABLE (no live events in this process). */
  jobEvents?: JobEventFeed | null;
  /** A `: keep-alive` comment after this long without an event (proxies drop idle streams). Default 15 s. */
  keepAliveMs?: number;
  /**
   * Longest life of one stream. The client reconnects with Last-Event-ID and the job is read
   * again, so even a lost `end` event (publishing is best effort) ends a follower's wait. Default 5 min.
   */
  maxStreamMs?: number;
  /** Reconnect delay suggested to clients (SSE `retry:`). Default 2000 ms. */
  retryMs?: number;
}

function isFinished(state: string): boolean {
  return state === "succeeded" || state === "failed";
}

/**
 * `GET /:jobId/events` (mounted under /api/v1/jobs): the job's live events as Server-Sent Events.
 *
 * A new stream opens with a `job` event (the job as the database has it; its `id:` is the stream
 * position that snapshot covers), then every event the worker appends to the job's Redis stream,
 * as it arrives, each with its stream id; `Last-Event-ID` resumes after an id (no snapshot then).
 * The stream ends after the `end` event; for a job already finished at once, after what a resume
 * missed (while the job's stream still holds it) and `end`; and after maxStreamMs in any case.
 * The database is read once per stream, never polled.
 */
export function jobEventRoutes(deps: JobEventRouteDeps): Hono {
  const app = new Hono();
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  const maxStreamMs = deps.maxStreamMs ?? 300_000;
  const retryMs = deps.retryMs ?? 2000;

  app.get("/:jobId/events", requireRole("viewer"), async (c) => {
    const jobId = c.req.param("jobId");
    const resumeFrom = c.req.header("last-event-id")?.trim() || null;
    if (resumeFrom !== null && !STREAM_ID.test(resumeFrom)) {
      throw new AppError("VALIDATION_FAILED", "Last-Event-ID must be an event id this stream sent", {
        errors: [{ path: "/headers/last-event-id", message: "must look like 1714557600000-0" }],
      });
    }
    if (!JOB_ID.test(jobId)) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId.slice(0, 100)}`);
    const feed = deps.jobEvents;
    if (!feed) throw new AppError("QUEUE_UNAVAILABLE", "live job events are not available on this node");
    // Where the stream ends BEFORE the database read: whatever is appended later is newer than
    // the snapshot and is sent; what came before is in it (the worker writes the row first).
    const head = resumeFrom ?? (await feed.head(jobId));
    const record = await deps.jobs.get(jobId);
    if (!record) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId}`);
    c.header("X-Accel-Buffering", "no");

    if (isFinished(record.state)) {
      // A resume gets what it missed first, if the stream still holds it; everyone gets the end.
      const missed = resumeFrom === null ? [] : await feed.range(jobId, resumeFrom);
      const end = missed.findIndex((entry) => entry.event.type === "end");
      return streamSSE(c, async (stream) => {
        for (const { id, event } of end >= 0 ? missed.slice(0, end + 1) : missed) {
          await send(stream, event, id, retryMs);
        }
        if (end < 0) await send(stream, { type: "end", job: jobResource(record) }, undefined, retryMs);
      });
    }

    // A fresh stream reads from the start but sends only what is newer than the snapshot, except
    // an `end` (were it appended before the row was written, it must still end the stream).
    const from = resumeFrom ?? STREAM_START;
    const pending: { id: string; event: JobEvent }[] = [];
    let wake: (() => void) | null = null;
    let feedClosed = false;
    // Throws RATE_LIMITED (429) when this process already serves its limit of streams.
    const follow = feed.follow(
      jobId,
      from,
      (entry) => {
        if (resumeFrom === null && compareStreamIds(entry.id, head) <= 0 && entry.event.type !== "end")
          return;
        pending.push(entry);
        wake?.();
      },
      () => {
        feedClosed = true;
        wake?.();
      },
    );

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => wake?.());
      try {
        if (resumeFrom === null) await send(stream, { type: "job", job: jobResource(record) }, head, retryMs);
        const closeAt = Date.now() + maxStreamMs;
        while (!stream.aborted) {
          for (const { id, event } of pending.splice(0)) {
            await send(stream, event, id);
            if (event.type === "end") return;
          }
          const left = closeAt - Date.now();
          if (left <= 0 || feedClosed) return;
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), Math.min(keepAliveMs, left));
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
            if (pending.length > 0 || stream.aborted || feedClosed) wake();
          });
          wake = null;
          if (!woken && !stream.aborted && Date.now() < closeAt) await stream.write(": keep-alive\n\n");
        }
      } finally {
        follow.close();
      }
    });
  });

  return app;
}

async function send(
  stream: SSEStreamingApi,
  event: JobStreamEvent,
  id?: string,
  retry?: number,
): Promise<void> {
  await stream.writeSSE({
    event: event.type,
    data: JSON.stringify(event),
    ...(id !== undefined ? { id } : {}),
    ...(retry !== undefined ? { retry } : {}),
  });
}
