import type { JobStreamEvent } from "@arcade/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testContext } from "../test-support/capture.js";
import { FakeApi, jobAt, problem, sequence } from "../test-support/fake-api.js";
import { followJob } from "./follow-job.js";

let api: FakeApi;
beforeEach(async () => {
  api = await FakeApi.start();
});
afterEach(async () => {
  await api.close();
});

const EVENTS = "/api/v1/jobs/job-1/events";

/** An event stream body as the API writes it. */
function stream(events: { id?: string; event: JobStreamEvent }[]): {
  status: number;
  text: string;
  headers: Record<string, string>;
} {
  const text = events
    .map(
      ({ id, event }) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n${id ? `id: ${id}\n` : ""}\n`,
    )
    .join(": keep-alive\n\n");
  return { status: 200, text, headers: { "content-type": "text/event-stream" } };
}

const succeeded = jobAt(7, { state: "succeeded", finishedAt: "2024-05-01T10:00:03.000Z" });

describe("followJob over the live events", () => {
  it("prints steps and node reports as they arrive and answers the job of the `end` event, without polling", async () => {
    api.on("GET", EVENTS, () =>
      stream([
        { id: "1-0", event: { type: "job", job: jobAt(0) } },
        { id: "2-0", event: { type: "step", step: succeeded.steps[0]!, progress: 10 } },
        { id: "3-0", event: { type: "node", nodeId: "node-a", revision: 12, outcome: "applied" } },
        {
          id: "4-0",
          event: { type: "node", nodeId: "node-b", revision: 12, outcome: "failed", error: "init threw" },
        },
        { id: "5-0", event: { type: "end", job: succeeded } },
      ]),
    );
    const { ctx, stdout } = testContext(api.url);
    const final = await followJob(ctx.client, jobAt(0), ctx.out, { intervalMs: 5 });
    expect(final.state).toBe("succeeded");
    const text = stdout.text();
    expect(text).toContain("✓ fetch");
    expect(text).toContain("· node node-a applied revision 12");
    expect(text).toContain("✗ node node-b: init threw");
    expect(text.match(/✓ fetch/g)).toHaveLength(1);
    expect(api.requests.map((r) => r.path)).toEqual([EVENTS]);
    expect(api.requests[0]?.headers.accept).toBe("text/event-stream");
    expect(api.requests[0]?.headers.authorization).toBe("Bearer test-token");
  });

  it("reopens a stream that closed before the end with Last-Event-ID", async () => {
    const answers = [
      stream([
        { id: "1-0", event: { type: "job", job: jobAt(0) } },
        { id: "2-0", event: { type: "state", state: "running", attempts: 1 } },
      ]),
      stream([{ id: "3-0", event: { type: "end", job: succeeded } }]),
    ];
    api.on("GET", EVENTS, () => answers.shift() ?? problem(500, "INTERNAL", "asked too often"));
    const { ctx } = testContext(api.url);
    expect((await followJob(ctx.client, jobAt(0), ctx.out, { intervalMs: 5 })).state).toBe("succeeded");
    expect(api.requests.map((r) => r.headers["last-event-id"])).toEqual([undefined, "2-0"]);
  });

  it("shows a retry announced by a `state` event", async () => {
    api.on("GET", EVENTS, () =>
      stream([
        { id: "1-0", event: { type: "state", state: "running", attempts: 2 } },
        { id: "2-0", event: { type: "step", step: succeeded.steps[0]!, progress: 10 } },
        { id: "3-0", event: { type: "end", job: { ...succeeded, attempts: 2 } } },
      ]),
    );
    const { ctx, stdout } = testContext(api.url);
    await followJob(ctx.client, jobAt(1), ctx.out, { intervalMs: 5 });
    const text = stdout.text();
    expect(text).toContain("↻ attempt 2");
    expect(text.slice(text.indexOf("↻ attempt 2"))).toContain("✓ fetch");
  });

  it("a server whose streams keep closing empty is polled instead", async () => {
    api.on("GET", EVENTS, () => stream([]));
    api.on("GET", "/api/v1/jobs/job-1", sequence([succeeded]));
    const { ctx } = testContext(api.url);
    expect((await followJob(ctx.client, jobAt(0), ctx.out, { intervalMs: 5 })).state).toBe("succeeded");
    expect(api.requests.filter((r) => r.path === EVENTS)).toHaveLength(6);
  });

  it("polls the job when the server cannot stream now (429)", async () => {
    api.on("GET", EVENTS, () => problem(429, "RATE_LIMITED", "too many live streams"));
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(3), succeeded]));
    const { ctx } = testContext(api.url);
    expect((await followJob(ctx.client, jobAt(0), ctx.out, { intervalMs: 5 })).state).toBe("succeeded");
    expect(api.requests.map((r) => r.path)).toEqual([EVENTS, "/api/v1/jobs/job-1", "/api/v1/jobs/job-1"]);
  });

  it("a job the server does not know is an error, not a poll", async () => {
    api.on("GET", EVENTS, () => problem(404, "JOB_NOT_FOUND", "no job with id job-1"));
    const { ctx } = testContext(api.url);
    await expect(followJob(ctx.client, jobAt(0), ctx.out, { intervalMs: 5 })).rejects.toMatchObject({
      problem: { code: "JOB_NOT_FOUND" },
    });
  });
});
