import { randomBytes } from "node:crypto";
import { JobEventReader, RedisJobEventSink } from "@arcade/bus";
import type { JobEvent, JobResource } from "@arcade/contracts";
import { isAppError, type JobRecord, silentLogger } from "@arcade/core";
import { createQueueConnection } from "@arcade/queue";
import { Hono } from "hono";
import { afterAll, beforeAll, expect, it } from "vitest";
import { problem } from "../http/problem.js";
import { JobSubmitter } from "../services/job-submitter.js";
import { describeWithRedis, TEST_REDIS_URL } from "../testing/test-app.js";
import { jobEventRoutes } from "./job-events.js";

/** One Server-Sent Event as a client sees it. */
interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream body until it ends (or `until` says stop); comments are counted. */
async function readEvents(
  res: Response,
  until: (events: SseEvent[]) => boolean = () => false,
): Promise<{ events: SseEvent[]; comments: number; ended: boolean }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  let comments = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { events, comments, ended: true };
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
      const fields = new Map<string, string>();
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) comments++;
        const at = line.indexOf(": ");
        if (at > 0) fields.set(line.slice(0, at), line.slice(at + 2));
      }
      if (!fields.has("data")) continue;
      const id = fields.get("id");
      events.push({
        event: fields.get("event") ?? "message",
        ...(id ? { id } : {}),
        data: JSON.parse(fields.get("data") as string),
      });
    }
    if (until(events)) {
      await reader.cancel();
      return { events, comments, ended: false };
    }
  }
}

function jobRecord(jobId: string, state: JobRecord["state"]): JobRecord {
  return {
    jobId,
    type: "enable",
    pluginId: "plugin_demo_abc123",
    state,
    step: null,
    progress: state === "succeeded" ? 100 : 0,
    steps: [],
    attempts: 1,
    error: null,
    result: null,
    createdAt: new Date("2024-05-01T10:00:00.000Z"),
    finishedAt: state === "succeeded" ? new Date("2024-05-01T10:00:01.000Z") : null,
    requestedBy: "admin",
  } as unknown as JobRecord;
}

const endOf = (jobId: string): JobEvent => ({
  type: "end",
  job: { ...jobRecord(jobId, "succeeded"), createdAt: "x", finishedAt: "y" } as unknown as JobResource,
});
const stepEvent = (name: "fetch" | "verify", progress: number): JobEvent => ({
  type: "step",
  step: { name, state: "succeeded" },
  progress,
});

describeWithRedis("GET /jobs/{jobId}/events (real Redis streams)", () => {
  const prefix = `arcade-test:api-job-events:${randomBytes(4).toString("hex")}`;
  const rows = new Map<string, JobRecord>();
  let dbReads = 0;
  let admin: ReturnType<typeof createQueueConnection>;
  let reader: JobEventReader;
  let sink: RedisJobEventSink;
  let app: Hono;

  beforeAll(() => {
    admin = createQueueConnection(TEST_REDIS_URL);
    reader = new JobEventReader({ redis: TEST_REDIS_URL, prefix, logger: silentLogger, maxFollowers: 40 });
    sink = new RedisJobEventSink({ redis: TEST_REDIS_URL, prefix, logger: silentLogger });
    app = new Hono();
    app.use(async (c, next) => {
      c.set("principal" as never, { name: "viewer", role: "viewer" } as never);
      await next();
    });
    const jobs = {
      async get(jobId: string) {
        dbReads++;
        return rows.get(jobId) ?? null;
      },
    };
    app.route("/jobs", jobEventRoutes({ jobs, jobEvents: reader, keepAliveMs: 50 }));
    app.onError((error, c) => (isAppError(error) ? problem(c, error) : c.text("unexpected", 500)));
  });

  afterAll(async () => {
    await reader.close();
    await sink.close();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it("opens with the job from the database, then streams each event as it is appended, and closes after `end`", async () => {
    rows.set("job-live", jobRecord("job-live", "running"));
    await sink.publish("job-live", stepEvent("fetch", 10)); // before the stream: in the snapshot
    const res = await app.request("/jobs/job-live/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reading = readEvents(res);
    const before = dbReads;
    await new Promise((resolve) => setTimeout(resolve, 150)); // keep-alive comments meanwhile
    await sink.publish("job-live", stepEvent("verify", 20));
    await sink.publish("job-live", endOf("job-live"));
    const { events, comments, ended } = await reading;
    expect(ended).toBe(true);
    expect(events.map((e) => e.event)).toEqual(["job", "step", "end"]);
    expect(events[0]?.data).toMatchObject({ type: "job", job: { jobId: "job-live", state: "running" } });
    expect(events[1]?.data).toMatchObject({ type: "step", step: { name: "verify" }, progress: 20 });
    for (const e of events) expect(e.id).toMatch(/^\d+-\d+$/);
    expect(comments).toBeGreaterThan(0);
    // Read once at the open, never polled while streaming.
    expect(dbReads).toBe(before);
  });

  it("Last-Event-ID resumes right after that event, with no snapshot", async () => {
    rows.set("job-resume", jobRecord("job-resume", "running"));
    await sink.publish("job-resume", stepEvent("fetch", 10));
    const first = await readEvents(await app.request("/jobs/job-resume/events"), (e) => e.length === 1);
    await sink.publish("job-resume", stepEvent("verify", 20));
    await sink.publish("job-resume", endOf("job-resume"));
    const resumed = await readEvents(
      await app.request("/jobs/job-resume/events", {
        headers: { "Last-Event-ID": first.events[0]?.id as string },
      }),
    );
    expect(resumed.events.map((e) => e.event)).toEqual(["step", "end"]);
    const again = await readEvents(
      await app.request("/jobs/job-resume/events", {
        headers: { "Last-Event-ID": resumed.events[0]?.id as string },
      }),
    );
    expect(again.events.map((e) => e.event)).toEqual(["end"]);
    // Finished now: a resume still gets what it missed, then the end, and the stream closes.
    rows.set("job-resume", jobRecord("job-resume", "succeeded"));
    const late = await readEvents(
      await app.request("/jobs/job-resume/events", {
        headers: { "Last-Event-ID": first.events[0]?.id as string },
      }),
    );
    expect(late.ended).toBe(true);
    expect(late.events.map((e) => e.event)).toEqual(["step", "end"]);
  });

  it("a finished job answers `end` at once and closes", async () => {
    rows.set("job-done", jobRecord("job-done", "succeeded"));
    const { events, ended } = await readEvents(await app.request("/jobs/job-done/events"));
    expect(ended).toBe(true);
    expect(events).toEqual([
      {
        event: "end",
        data: expect.objectContaining({ type: "end", job: expect.objectContaining({ state: "succeeded" }) }),
      },
    ]);
  });

  it("an `end` appended before the database saw the job finish still closes the stream", async () => {
    rows.set("job-early", jobRecord("job-early", "running"));
    await sink.publish("job-early", endOf("job-early"));
    const { events } = await readEvents(await app.request("/jobs/job-early/events"));
    expect(events.map((e) => e.event)).toEqual(["job", "end"]);
  });

  it("many clients of one job each get every event", async () => {
    rows.set("job-many", jobRecord("job-many", "running"));
    const clients = await Promise.all(Array.from({ length: 25 }, () => app.request("/jobs/job-many/events")));
    const readings = clients.map((res) => readEvents(res));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sink.publish("job-many", stepEvent("fetch", 10));
    await sink.publish("job-many", endOf("job-many"));
    for (const { events, ended } of await Promise.all(readings)) {
      expect(ended).toBe(true);
      expect(events.map((e) => e.event)).toEqual(["job", "step", "end"]);
    }
    expect(reader.followers).toBe(0);
  });

  it("over the limit of open streams answers 429 RATE_LIMITED; a closed stream frees its place", async () => {
    rows.set("job-busy", jobRecord("job-busy", "running"));
    const open = await Promise.all(Array.from({ length: 40 }, () => app.request("/jobs/job-busy/events")));
    const refused = await app.request("/jobs/job-busy/events");
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe("RATE_LIMITED");
    await Promise.all(open.map((res) => res.body?.cancel()));
    await sink.publish("job-busy", endOf("job-busy"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reader.followers).toBe(0);
    const { events } = await readEvents(await app.request("/jobs/job-busy/events"));
    expect(events.map((e) => e.event)).toEqual(["job", "end"]);
  });

  it("an unknown job is 404 JOB_NOT_FOUND (problem+json); a malformed Last-Event-ID is 400", async () => {
    const res = await app.request("/jobs/no-such-job/events");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as { code: string }).code).toBe("JOB_NOT_FOUND");
    const bad = await app.request("/jobs/job-done/events", { headers: { "Last-Event-ID": "yesterday" } });
    expect(bad.status).toBe(400);
  });

  it("?wait (JobSubmitter.wait) answers when `end` arrives: the row is read once before and once after", async () => {
    rows.set("job-wait", jobRecord("job-wait", "running"));
    const submitter = new JobSubmitter(
      {
        get: async (id: string) => {
          dbReads++;
          return rows.get(id) ?? null;
        },
      } as never,
      null as never,
      null as never,
      reader,
    );
    const before = dbReads;
    const waiting = submitter.wait("job-wait", 60);
    await new Promise((resolve) => setTimeout(resolve, 300));
    rows.set("job-wait", jobRecord("job-wait", "succeeded"));
    await sink.publish("job-wait", endOf("job-wait"));
    expect((await waiting)?.state).toBe("succeeded");
    expect(dbReads - before).toBe(2);
    expect(reader.followers).toBe(0);
  });
});
