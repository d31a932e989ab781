import type { JobResource, Manifest } from "@arcade/contracts";
import { buildPluginZip, type Platform, pluginManifest } from "../../harness/index.js";
import type { Benchmark } from "../lib/benchmark.js";
import type { BenchContext } from "../lib/context.js";
import { cpuBusySince, cpuMark, processCpuSeconds } from "../lib/cpu.js";
import { stepP50s } from "../lib/job-times.js";
import { dbTransaction, redisFanOut, storePutGet } from "../lib/raw-costs.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const SUBMITTERS = 8;
const PAGE = 200;

interface Paged {
  items: JobResource[];
  total: number;
}

async function processCpu(pids: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = (await processCpuSeconds(pid)) ?? 0;
  return out;
}

async function countJobs(p: Platform, state: "succeeded" | "failed"): Promise<number> {
  const res = await p.call<Paged>("GET", `/api/v1/jobs?state=${state}&pageSize=1`);
  if (res.status !== 200) throw new Error(`GET /jobs answered ${res.status}: ${res.text.slice(0, 200)}`);
  return res.body.total;
}

async function allJobs(p: Platform): Promise<JobResource[]> {
  const out: JobResource[] = [];
  for (let page = 1; page <= 1000; page += 1) {
    const res = await p.call<Paged>("GET", `/api/v1/jobs?pageSize=${PAGE}&page=${page}`);
    if (res.status !== 200) throw new Error(`GET /jobs answered ${res.status}`);
    out.push(...res.body.items);
    if (res.body.items.length < PAGE) break;
  }
  return out;
}

/** Queues `n` installs with no worker running, starts `workers` workers, times the drain. */
async function drain(ctx: BenchContext, n: number, workers: number) {
  // No runtime nodes: 1,000 plugins would mean 1,000 sandboxes per node; this measures the job
  // pipeline (the worker side), the nodes are measured by e2e-install and propagation.
  const p = await ctx.platform({ apis: 1, workers: 0, env: { ARCADE_NODE_RUNTIME_ENABLED: "false" } });
  const tag = p.id.slice(0, 4);
  ctx.log(`${workers} worker(s): queueing ${n} installs with no worker running`);
  let next = 0;
  const submitter = async () => {
    while (next < n) {
      const i = next++;
      const zip = await buildPluginZip({ name: `bench-tp-${tag}-${i}` });
      const res = await p.installZip(zip);
      if (res.status !== 202)
        throw new Error(`install ${i} answered ${res.status}: ${res.text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, submitter));
  ctx.log(`  queued; starting ${workers} worker process(es)`);
  const started = Date.now();
  const cpuStart = await cpuMark();
  await Promise.all(Array.from({ length: workers }, () => p.addWorker()));
  // CPU seconds of every process involved, so a missing speed-up can be pinned on one of them.
  const watched: Record<string, number> = { api: p.apis[0]!.pid ?? -1, ...(await ctx.services.pids()) };
  p.workers.forEach((w, i) => {
    watched[`worker-${i}`] = w.pid ?? -1;
  });
  const cpuAtStart = await processCpu(watched);
  const deadline = started + Math.max(300_000, n * 1000);
  let done = 0;
  let lastLog = Date.now();
  for (;;) {
    done = (await countJobs(p, "succeeded")) + (await countJobs(p, "failed"));
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${n} jobs finished in time`);
    if (Date.now() - lastLog > 10_000) {
      ctx.log(`  ${done}/${n} finished`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const machineBusy = await cpuBusySince(cpuStart);
  const cpuAtEnd = await processCpu(watched);
  const cpuSeconds = Object.fromEntries(
    Object.keys(watched).map((name) => [
      name,
      Math.round(((cpuAtEnd[name] ?? 0) - (cpuAtStart[name] ?? 0)) * 10) / 10,
    ]),
  );
  const jobs = await allJobs(p);
  const failed = jobs.filter((j) => j.state === "failed");
  const firstStart = Math.min(
    ...jobs.map((j) =>
      j.steps?.[0]?.startedAt ? Date.parse(j.steps[0].startedAt) : Number.POSITIVE_INFINITY,
    ),
  );
  const lastFinish = Math.max(...jobs.map((j) => (j.finishedAt ? Date.parse(j.finishedAt) : 0)));
  const seconds = (lastFinish - firstStart) / 1000;
  const perSecond = (n - failed.length) / seconds;
  ctx.log(
    `  ${n - failed.length} succeeded, ${failed.length} failed in ${seconds.toFixed(1)} s: ${perSecond.toFixed(1)} installs/s; machine CPU ${(machineBusy * 100).toFixed(0)}% busy; CPU seconds ${JSON.stringify(cpuSeconds)}`,
  );
  const result = {
    workers,
    seconds,
    perSecond,
    failed: failed.length,
    firstFailure: failed[0] ? JSON.stringify(failed[0].error) : null,
    stepP50s: stepP50s(jobs),
    machineCpuBusy: machineBusy,
    cpuSeconds,
  };
  await ctx.cleanup();
  return result;
}

/**
 * 7. Throughput: n installs queued first, then 1 (resp. 2) worker processes started; installs/s
 * from the first step started to the last job finished (the jobs' own timestamps). 2 workers are
 * compared with 1 (the scaling ratio); 1 worker with the raw step costs done one at a time.
 */
export const throughput: Benchmark = {
  name: "throughput",
  title: "Throughput",
  async run(ctx) {
    const n = ctx.sizes.throughputInstalls;
    const one = await drain(ctx, n, 1);
    const two = await drain(ctx, n, 2);

    const samples = ctx.sizes.rawCostSamples;
    ctx.log(`raw step costs, ${samples} samples each`);
    const zip = await buildPluginZip({ name: "bench-tp-raw" });
    const manifest = pluginManifest({ name: "bench-tp-raw" }) as unknown as Manifest;
    const raw = {
      storePutGet: summarize(await storePutGet(ctx.services, zip, samples)),
      dbTransaction: summarize(await dbTransaction(ctx.services, manifest, samples)),
      redisPublishRoundTrip: summarize(await redisFanOut(ctx.services.redisUrl, 1, samples)),
    };
    const rawMs = Object.values(raw).reduce((s, x) => s + x.p50, 0);
    const findings: string[] = [];
    for (const r of [one, two]) {
      if (r.failed > 0)
        findings.push(`${r.failed} of ${n} installs failed with ${r.workers} worker(s): ${r.firstFailure}`);
    }
    const scaling = two.perSecond / one.perSecond;
    if (scaling < 1.5) {
      findings.push(
        `2 workers scale by ${scaling.toFixed(2)}x only; machine CPU was ${(one.machineCpuBusy * 100).toFixed(0)}% busy with 1 worker and ${(two.machineCpuBusy * 100).toFixed(0)}% with 2 (CPU seconds per process ${JSON.stringify(one.cpuSeconds)} in ${one.seconds.toFixed(0)} s -> ${JSON.stringify(two.cpuSeconds)} in ${two.seconds.toFixed(0)} s); step p50s ${JSON.stringify(one.stepP50s)} -> ${JSON.stringify(two.stepP50s)}`,
      );
    }
    const bench = "throughput";
    return {
      rows: [
        row(bench, `installs/s, 1 worker (${n} queued)`, "installs/s", one.perSecond, 1000 / rawMs, "higher"),
        row(
          bench,
          `installs/s, 2 workers (${n} queued)`,
          "installs/s",
          two.perSecond,
          one.perSecond,
          "higher",
        ),
      ],
      baseline: `1 worker: the raw step costs of one install done one at a time (object-store put+get, persist transaction, Redis publish: ${rawMs.toFixed(1)} ms, i.e. ${(1000 / rawMs).toFixed(1)}/s); 2 workers: the 1-worker figure, so the ratio is the scaling ratio (ideal 2.0; each worker runs 2 jobs at once, the default)`,
      findings,
      details: { installs: n, oneWorker: one, twoWorkers: two, raw },
    };
  },
};
