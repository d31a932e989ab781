import type { JobResource, JobStreamEvent, Problem } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import {
  buildPluginZip,
  expectEveryNodeApplied,
  missingServices,
  type Platform,
  skipReason,
  usePlatform,
} from "../harness/index.js";
import { type Received, readStream } from "./sse.js";

// The live job events on a running platform (2 API nodes, 1 worker): GET /jobs/{jobId}/events as
// Server-Sent Events fed by the worker through Redis, resumed with Last-Event-ID, closed after
// the end; ?wait answered from the same events; nodes acknowledge each change they apply.

const API = "/api/v1";

/** A stream must end within this (jobs here take seconds): a missing `end` fails the test, not its timeout. */
const STREAM_BOUND_MS = 45_000;

function openEvents(
  p: Platform,
  jobId: string,
  headers: Record<string, string> = {},
  apiIndex = 0,
): Promise<Response> {
  return p.request(
    `${API}/jobs/${jobId}/events`,
    { headers: { accept: "text/event-stream", ...headers }, signal: AbortSignal.timeout(STREAM_BOUND_MS) },
    apiIndex,
  );
}

/** Submits an install (not waiting) and answers its job id. */
async function submitInstall(p: Platform, name: string): Promise<string> {
  const zip = await buildPluginZip({ name, version: "1.0.0" });
  const res = await p.installZip(zip);
  expect(res.status, res.text).toBe(202);
  return res.body.jobId;
}

function endOf(events: Received[]): JobResource {
  const last = events.at(-1)?.event;
  expect(last?.type).toBe("end");
  return (last as Extract<JobStreamEvent, { type: "end" }>).job;
}

const variant = { database: "sqlite", storage: "fs" } as const;
const missing = missingServices(variant);

describe.skipIf(missing.length > 0)(
  `live job events (${missing.length > 0 ? skipReason(missing) : "sqlite+fs"})`,
  () => {
    const platform = usePlatform({ apis: 2, workers: 1, ...variant });

    it("streams a job from the first step to the end, with each node's report, and closes", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-live");
      const res = await openEvents(p, jobId);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const { events, closed } = await readStream(res);
      expect(closed).toBe(true);
      const final = endOf(events);
      expect(final.state, JSON.stringify(final.error)).toBe("succeeded");
      // Opened with the job as it was (unless it had already finished), then stream entries.
      if (events.length > 1) expect(events[0]?.event.type).toBe("job");
      const ids = events.filter((e) => e.event.type !== "end" || e.id).map((e) => e.id as string);
      expect([...ids].sort(byStreamId)).toEqual(ids);
      // The job's result and the stream agree on the nodes that applied it (when the stream saw them).
      expectEveryNodeApplied(final.result?.nodes, 2);
      const reports = events.flatMap((e) => (e.event.type === "node" ? [e.event] : []));
      for (const report of reports) {
        expect(p.apis.map((a) => a.nodeId)).toContain(report.nodeId);
        expect(report.outcome).toBe("applied");
      }
    });

    it("a client that watched from before the worker started it sees every step and each node's report", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-watched");
      const { events } = await readStream(await openEvents(p, jobId, {}, 1));
      const final = endOf(events);
      expect(final.state).toBe("succeeded");
      const opened = events[0]?.event;
      // Only meaningful when the stream opened before the worker began (the usual case); the job's
      // own row is the record either way.
      if (opened?.type !== "job" || opened.job.state !== "queued") return;
      const stepsSeen = new Set(events.flatMap((e) => (e.event.type === "step" ? [e.event.step.name] : [])));
      for (const step of final.steps.filter((s) => s.state !== "pending"))
        expect(stepsSeen).toContain(step.name);
      const reports = events.flatMap((e) => (e.event.type === "node" ? [e.event.nodeId] : []));
      expect(reports.sort()).toEqual(p.apis.map((a) => a.nodeId).sort());
    });

    it("Last-Event-ID resumes after that event: nothing before it, nothing twice, and the end", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-resume");
      const first = await readStream(await openEvents(p, jobId), 2);
      const full = await readStream(await openEvents(p, jobId));
      const last = first.events.at(-1)?.id;
      if (first.closed || !last) {
        // The job had finished before the stream opened: there was nothing to resume.
        expect(endOf(first.events).jobId).toBe(jobId);
        return;
      }
      const resumed = await readStream(await openEvents(p, jobId, { "last-event-id": last }, 1));
      expect(resumed.closed).toBe(true);
      expect(endOf(resumed.events).state).toBe("succeeded");
      const resumedIds = resumed.events.flatMap((e) => (e.id ? [e.id] : []));
      for (const id of resumedIds) expect(byStreamId(id, last)).toBeGreaterThan(0);
      expect(new Set(resumedIds).size).toBe(resumedIds.length);
      expect(resumed.events.some((e) => e.event.type === "job")).toBe(false);
      expect(full.closed).toBe(true);
    });

    it("many clients at once each get the whole stream to the end", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-many");
      const clients = await Promise.all(
        Array.from({ length: 30 }, (_, i) => openEvents(p, jobId, {}, i % 2)),
      );
      const streams = await Promise.all(clients.map((res) => readStream(res)));
      for (const { events, closed } of streams) {
        expect(closed).toBe(true);
        expect(endOf(events).state).toBe("succeeded");
      }
    });

    it("a finished job's stream answers the end at once and closes", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-done");
      const job = await p.waitJob(jobId);
      const { events, closed } = await readStream(await openEvents(p, jobId));
      expect(closed).toBe(true);
      expect(events.map((e) => e.event.type)).toEqual(["end"]);
      expect(endOf(events)).toMatchObject({ jobId, state: job.state });
    });

    it("?wait answers the finished job", async () => {
      const p = platform();
      const jobId = await submitInstall(p, "events-wait");
      const res = await p.call<JobResource>("GET", `${API}/jobs/${jobId}?wait=30`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.state).toBe("succeeded");
    });

    it("an unknown job is 404 JOB_NOT_FOUND; no or a wrong token is 401", async () => {
      const p = platform();
      const unknown = await openEvents(p, "no-such-job");
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(((await unknown.json()) as Problem).code).toBe("JOB_NOT_FOUND");
      const jobId = await submitInstall(p, "events-auth");
      for (const authorization of ["", "Bearer wrong-token"]) {
        const res = await p.request(`${API}/jobs/${jobId}/events`, { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(((await res.json()) as Problem).code).toBe("UNAUTHORIZED");
      }
    });
  },
);

function byStreamId(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
