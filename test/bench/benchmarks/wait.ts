import type { JobResource } from "@arcade/contracts";
import { buildPluginZip, type Platform } from "../../harness/index.js";
import type { Benchmark } from "../lib/benchmark.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const NODES = 3;
/** The schedule the API's `?wait` used to read the job on before the live events (ms). */
const OLD_POLL_SCHEDULE = [50, 100, 200, 400];
const OLD_POLL_MAX = 500;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Disable or enable (alternating) with ?wait=30: request -> the answer with the finished job. */
async function viaWait(p: Platform, pluginId: string, action: "disable" | "enable"): Promise<number> {
  const t0 = performance.now();
  const res = await p.call<JobResource>("POST", `/api/v1/plugins/${pluginId}/${action}?wait=30`);
  const took = performance.now() - t0;
  if (res.status !== 200 || res.body.state !== "succeeded") {
    throw new Error(`${action} with ?wait answered ${res.status} ${res.text.slice(0, 200)}`);
  }
  return took;
}

/**
 * The old answer, replayed from outside: submit, then read the job on the schedule the API's
 * `?wait` polled the database on (50, 100, 200, 400, then every 500 ms) until it has finished.
 */
async function viaOldPolling(p: Platform, pluginId: string, action: "disable" | "enable"): Promise<number> {
  const t0 = performance.now();
  const res = await p.call<JobResource>("POST", `/api/v1/plugins/${pluginId}/${action}`);
  if (res.status !== 202) throw new Error(`${action} answered ${res.status} ${res.text.slice(0, 200)}`);
  for (let i = 0; ; i++) {
    const job = await p.call<JobResource>("GET", `/api/v1/jobs/${res.body.jobId}`);
    if (job.body.state === "succeeded" || job.body.state === "failed") return performance.now() - t0;
    await delay(OLD_POLL_SCHEDULE[i] ?? OLD_POLL_MAX);
  }
}

/**
 * `?wait`: a fast job (disable / enable of a small plugin on 3 nodes, 1 worker) answered through
 * the live job events (the API hears the `end` event), against the same jobs answered the old
 * way: reading the job on the old polling schedule. Both alternate in one run on one platform.
 */
export const wait: Benchmark = {
  name: "wait",
  title: "?wait: answered on the job's end event",
  async run(ctx) {
    const n = Math.max(10, Math.floor(ctx.sizes.e2eInstalls / 4));
    const p = await ctx.platform({ apis: NODES, workers: 1 });
    const zip = await buildPluginZip({ name: `bench-wait-${p.id.slice(0, 4)}` });
    const installed = await p.installZip(zip, { waitSeconds: 60 });
    const pluginId = installed.body.pluginId;
    if (installed.status !== 200 || !pluginId) throw new Error(`install answered ${installed.status}`);

    ctx.log(`${n} disable/enable jobs each way, alternating`);
    type Action = "disable" | "enable";
    const events: Record<Action, number[]> = { disable: [], enable: [] };
    const polling: Record<Action, number[]> = { disable: [], enable: [] };
    // Each round disables then enables again; which way answers which job alternates, so both
    // ways measure as many disables (an unload) as enables (a sandbox start on every node).
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        events.disable.push(await viaWait(p, pluginId, "disable"));
        polling.enable.push(await viaOldPolling(p, pluginId, "enable"));
      } else {
        polling.disable.push(await viaOldPolling(p, pluginId, "disable"));
        events.enable.push(await viaWait(p, pluginId, "enable"));
      }
    }
    const bench = "wait";
    const rows = (["disable", "enable"] as const).flatMap((action) => {
      const live = summarize(events[action]);
      const old = summarize(polling[action]);
      return [
        row(bench, `${action}: request -> finished job answered p50`, "ms", live.p50, old.p50, "lower"),
        row(bench, `${action}: request -> finished job answered p90`, "ms", live.p90, old.p90, "lower"),
      ];
    });
    return {
      rows,
      baseline: `the same disable/enable jobs, read on the old ?wait polling schedule (${OLD_POLL_SCHEDULE.join(", ")}, then every ${OLD_POLL_MAX} ms) until finished, alternating with the measured ones`,
      findings: [],
      details: {
        jobs: n,
        nodes: NODES,
        events: { disable: summarize(events.disable), enable: summarize(events.enable) },
        oldPolling: { disable: summarize(polling.disable), enable: summarize(polling.enable) },
      },
    };
  },
};
