import type { JobStreamEvent } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import {
  buildPluginZip,
  expectEveryNodeApplied,
  missingServices,
  skipReason,
  usePlatform,
} from "../harness/index.js";
import { readStream } from "./sse.js";

// What the worker pushes while a job runs, seen by a client that opened the stream before any
// worker existed (the platform starts with none; one is added once the stream is open), so
// every event of the job is in the stream: the attempt starting, each step as it starts and
// ends with the progress after it, each node's report, and the end with the job as its row
// records it. Nothing here depends on timing.

const API = "/api/v1";
const variant = { database: "sqlite", storage: "fs" } as const;
const missing = missingServices(variant);

type Step = Extract<JobStreamEvent, { type: "step" }>;

describe.skipIf(missing.length > 0)(
  `job events pushed by the worker (${missing.length > 0 ? skipReason(missing) : "sqlite+fs"})`,
  () => {
    const platform = usePlatform({ label: "job-event-steps", apis: 2, workers: 0, ...variant });

    it("every step, the nodes' reports and the end, in order, for a stream opened before the job ran", async () => {
      const p = platform();
      const accepted = await p.installZip(await buildPluginZip({ name: "events-steps" }));
      expect(accepted.status).toBe(202);
      const jobId = accepted.body.jobId;
      const res = await p.request(`${API}/jobs/${jobId}/events`, {
        headers: { accept: "text/event-stream" },
        signal: AbortSignal.timeout(60_000),
      });
      expect(res.status).toBe(200);
      const reading = readStream(res);
      await p.addWorker();
      const { events, closed } = await reading;
      expect(closed).toBe(true);
      const types = events.map((e) => e.event.type);

      // Opened on the queued job, then the attempt, the steps, the nodes, the end.
      const opened = events[0]?.event;
      expect(opened?.type).toBe("job");
      expect(opened?.type === "job" && opened.job.state).toBe("queued");
      expect(events[1]?.event).toEqual({ type: "state", state: "running", attempts: 1 });
      expect(types.at(-1)).toBe("end");
      const end = events.at(-1)?.event;
      if (end?.type !== "end") throw new Error("no end event");
      expect(end.job.state, JSON.stringify(end.job.error)).toBe("succeeded");

      // Each step the job ran: running, then succeeded, progress never going back.
      const steps = events.flatMap((e) => (e.event.type === "step" ? [e.event as Step] : []));
      const ran = end.job.steps.filter((s) => s.state === "succeeded").map((s) => s.name);
      expect(ran.length).toBeGreaterThan(3);
      for (const name of ran) {
        expect(steps.filter((s) => s.step.name === name).map((s) => s.step.state)).toEqual([
          "running",
          "succeeded",
        ]);
      }
      const progress = steps.map((s) => s.progress);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(progress.at(-1)).toBe(100);

      // Both nodes' reports, before the end, and the result agrees.
      const nodes = events.flatMap((e) => (e.event.type === "node" ? [e.event] : []));
      expect(nodes.map((n) => n.nodeId).sort()).toEqual(p.apis.map((a) => a.nodeId).sort());
      for (const node of nodes) expect(node.outcome).toBe("applied");
      expectEveryNodeApplied(end.job.result?.nodes, 2);

      // Stream ids only grow.
      const ids = events.slice(1).flatMap((e) => (e.id ? [e.id] : []));
      expect(ids.length).toBe(events.length - 1);
      const order = (id: string) => id.split("-").map(Number) as [number, number];
      for (let i = 1; i < ids.length; i++) {
        const [a, b] = [order(ids[i - 1]!), order(ids[i]!)];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
      }
    }, 120_000);

    it("a job that fails ends its stream with the failure and its code", async () => {
      const p = platform();
      // A manifest that inspect refuses: the job fails MANIFEST_INVALID without a retry.
      const accepted = await p.installZip(
        await buildPluginZip({ name: "events-bad", manifest: { pluginType: "not-a-type" } }),
      );
      expect(accepted.status).toBe(202);
      const res = await p.request(`${API}/jobs/${accepted.body.jobId}/events`, {
        headers: { accept: "text/event-stream" },
        signal: AbortSignal.timeout(60_000),
      });
      const { events } = await readStream(res);
      const end = events.at(-1)?.event;
      if (end?.type !== "end") throw new Error("no end event");
      expect(end.job.state).toBe("failed");
      expect(end.job.error?.code).toBe("MANIFEST_INVALID");
      const failedStep = events.flatMap((e) => (e.event.type === "step" ? [e.event as Step] : []));
      expect(failedStep.some((s) => s.step.state === "failed")).toBe(true);
    }, 120_000);
  },
);
