import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { JobResource, Manifest } from "@arcade/contracts";
import { buildPluginZip, pluginManifest, pluginSource } from "../../harness/index.js";
import type { Benchmark } from "../lib/benchmark.js";
import { EventWatch } from "../lib/event-watch.js";
import { stepP50s } from "../lib/job-times.js";
import { loadIndex } from "../lib/node-logs.js";
import {
  dbTransaction,
  redisFanOut,
  sandboxStart,
  storePutGet,
  writePluginFolder,
} from "../lib/raw-costs.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const NODES = 3;
const WARMUP_INSTALLS = 2;
/** A p50 this much higher over the last fifth of the installs than over the first is reported. */
const GROWTH_LIMIT = 1.25;

/**
 * 2. End-to-end install: distinct small plugins installed one after another on 3 nodes (API
 * processes) and 1 worker; time from the request to the job `succeeded` (the job's finishedAt)
 * and to the last of the 3 nodes loading it (the nodes' "plugin loaded" log records), against
 * the sum of the raw step costs measured in the same run.
 */
export const e2eInstall: Benchmark = {
  name: "e2e-install",
  title: "End-to-end install",
  async run(ctx) {
    const n = ctx.sizes.e2eInstalls;
    const samples = ctx.sizes.rawCostSamples;
    const p = await ctx.platform({ apis: NODES, workers: 1 });
    const events = await EventWatch.start(ctx.services.redisUrl, p.resources.redisPrefix);
    const tag = p.id.slice(0, 4);
    const name = (i: number | string) => `bench-e2e-${tag}-${i}`;

    const install = async (i: number | string) => {
      const zip = await buildPluginZip({ name: name(i) });
      const t0 = Date.now();
      const res = await p.installZip(zip);
      if (res.status !== 202)
        throw new Error(`install ${i} answered ${res.status}: ${res.text.slice(0, 300)}`);
      const job = await p.waitJob(res.body.jobId, { timeoutMs: 120_000 });
      return { t0, job };
    };

    ctx.log(`warm-up: ${WARMUP_INSTALLS} installs (not counted)`);
    for (let i = 0; i < WARMUP_INSTALLS; i += 1) await install(`w${i}`);

    ctx.log(`${n} installs one after another on ${NODES} nodes`);
    const runs: { t0: number; job: JobResource }[] = [];
    try {
      for (let i = 0; i < n; i += 1) {
        runs.push(await install(i));
        if ((i + 1) % Math.max(1, Math.floor(n / 10)) === 0) ctx.log(`  ${i + 1}/${n} installed`);
      }
    } finally {
      events.stop();
    }

    const index = await loadIndex(p.apis.map((a) => a.logFile));
    const toSucceeded: number[] = [];
    const toAllLoaded: number[] = [];
    /** Node side only: from the event to the last node's load (the part that can grow with the plugin count). */
    const eventToAllLoaded: number[] = [];
    const failed: string[] = [];
    let missingLoads = 0;
    for (const { t0, job } of runs) {
      if (job.state !== "succeeded" || !job.finishedAt) {
        failed.push(`${job.jobId}: ${job.state} ${JSON.stringify(job.error)}`);
        continue;
      }
      toSucceeded.push(Date.parse(job.finishedAt) - t0);
      const times = index.get(`${job.pluginId}@1.0.0`) ?? [];
      const loaded = times.filter((t): t is number => t !== undefined);
      if (loaded.length < NODES) missingLoads += 1;
      else {
        toAllLoaded.push(Math.max(...loaded) - t0);
        const event = events.at(job.pluginId ?? "", "1.0.0");
        if (event !== undefined) eventToAllLoaded.push(Math.max(...loaded) - event);
      }
    }

    ctx.log(`raw step costs, ${samples} samples each`);
    const zip = await buildPluginZip({ name: `${name(0)}-raw` });
    const manifest = pluginManifest({ name: `${name(0)}-raw` }) as unknown as Manifest;
    const dir = await writePluginFolder(
      join(await mkdtemp(join(p.runDir, "raw-")), "plugin"),
      manifest,
      pluginSource("custom", "1.0.0"),
    );
    const raw = {
      storePutGet: summarize(await storePutGet(ctx.services, zip, samples)),
      dbTransaction: summarize(await dbTransaction(ctx.services, manifest, samples)),
      redisPublishRoundTrip: summarize(await redisFanOut(ctx.services.redisUrl, 1, samples)),
      sandboxStart: summarize(await sandboxStart(dir, manifest, samples)),
    };
    const parts = Object.values(raw);
    const baseP50 = parts.reduce((s, x) => s + x.p50, 0);
    const baseP99 = parts.reduce((s, x) => s + x.p99, 0);

    const succeeded = summarize(toSucceeded);
    const allLoaded = summarize(toAllLoaded);
    const fifth = (list: number[]) => Math.max(1, Math.floor(list.length / 5));
    const trend = {
      succeededFirstFifthP50: summarize(toSucceeded.slice(0, fifth(toSucceeded))).p50,
      succeededLastFifthP50: summarize(toSucceeded.slice(-fifth(toSucceeded))).p50,
      eventToAllLoadedFirstFifthP50: summarize(eventToAllLoaded.slice(0, fifth(eventToAllLoaded))).p50,
      eventToAllLoadedLastFifthP50: summarize(eventToAllLoaded.slice(-fifth(eventToAllLoaded))).p50,
    };
    const findings: string[] = [];
    if (failed.length > 0) findings.push(`${failed.length} of ${n} installs failed; first: ${failed[0]}`);
    if (missingLoads > 0)
      findings.push(`${missingLoads} installs succeeded without all ${NODES} nodes logging the load`);
    if (trend.eventToAllLoadedLastFifthP50 > trend.eventToAllLoadedFirstFifthP50 * GROWTH_LIMIT) {
      findings.push(
        `the nodes' part grows with the number of installed plugins: event -> all ${NODES} nodes loaded p50 ${trend.eventToAllLoadedFirstFifthP50} ms over the first fifth of the installs, ${trend.eventToAllLoadedLastFifthP50} ms over the last (request -> succeeded p50 ${trend.succeededFirstFifthP50} -> ${trend.succeededLastFifthP50} ms)`,
      );
    }
    const bench = "e2e-install";
    return {
      rows: [
        row(bench, "request -> job succeeded p50", "ms", succeeded.p50, baseP50, "lower"),
        row(bench, "request -> job succeeded p99", "ms", succeeded.p99, baseP99, "lower"),
        row(bench, `request -> all ${NODES} nodes loaded p50`, "ms", allLoaded.p50, baseP50, "lower"),
        row(bench, `request -> all ${NODES} nodes loaded p99`, "ms", allLoaded.p99, baseP99, "lower"),
      ],
      baseline: `sum of the raw step costs (p50s, resp. p99s) measured in the same run: object-store put+get of the ${zip.length}-byte zip (${raw.storePutGet.p50.toFixed(1)} ms p50), the persist transaction through the platform's repos (${raw.dbTransaction.p50.toFixed(1)} ms), a Redis publish round trip (${raw.redisPublishRoundTrip.p50.toFixed(2)} ms), starting a sandbox and importing the entry (${raw.sandboxStart.p50.toFixed(1)} ms)`,
      findings,
      details: {
        installs: n,
        nodes: NODES,
        toSucceeded: succeeded,
        toAllLoaded: allLoaded,
        eventToAllLoaded: summarize(eventToAllLoaded),
        trend,
        stepP50s: stepP50s(runs.map((r) => r.job)),
        raw,
      },
    };
  },
};
