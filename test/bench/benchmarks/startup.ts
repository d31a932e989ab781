import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { API_ENTRY, type PlatformProcess, REPO_ROOT, WORKER_ENTRY } from "../../harness/index.js";

import type { Benchmark } from "../lib/benchmark.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

/** The first wave's way to run the apps: TypeScript through tsx on every start. */
const API_SOURCE = join(REPO_ROOT, "apps", "api", "src", "main.ts");
const WORKER_SOURCE = join(REPO_ROOT, "apps", "worker", "src", "main.ts");

interface Sample {
  startMs: number;
  rssMiB: number;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

/** Stops the process, points it at `entry`, starts it and times spawn -> ready. */
async function timedStart(
  proc: PlatformProcess,
  entry: string,
  start: () => Promise<void>,
  stop: () => Promise<void>,
): Promise<Sample> {
  await stop();
  (proc.spec as { entry: string }).entry = entry;
  const t = performance.now();
  await start();
  const startMs = performance.now() - t;
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${proc.name} has no pid after its start`);
  return { startMs, rssMiB: await rssMiB(pid) };
}

/**
 * Start-up of the API and the worker: time from spawn until ready (the API answers /readyz,
 * the worker logs "worker ready") and resident memory at that moment, for the compiled
 * JavaScript that `npm start` runs (value) against the same process run from its TypeScript
 * sources through tsx (baseline: how every process started before the build existed).
 * The two alternate, start after start, on the same platform, database and Redis.
 */
export const startup: Benchmark = {
  name: "startup",
  title: "Start-up (dist vs tsx)",
  async run(ctx) {
    const rounds = ctx.quick ? 3 : 8;
    const p = await ctx.platform({ apis: 1, workers: 1 });
    const api = p.apis[0]!;
    const worker = p.workers[0]!;
    const samples = {
      apiDist: [] as Sample[],
      apiSource: [] as Sample[],
      workerDist: [] as Sample[],
      workerSource: [] as Sample[],
    };
    ctx.log(`start-up: ${rounds} rounds of API and worker restarts, compiled and from source`);
    for (let i = 0; i < rounds; i += 1) {
      // Alternating order spreads any drift of the machine over both sides.
      const order = i % 2 === 0 ? (["source", "dist"] as const) : (["dist", "source"] as const);
      for (const mode of order) {
        const apiEntry = mode === "dist" ? API_ENTRY : API_SOURCE;
        const workerEntry = mode === "dist" ? WORKER_ENTRY : WORKER_SOURCE;
        const a = await timedStart(
          api.process,
          apiEntry,
          () => api.start(),
          () => api.stop(),
        );
        const w = await timedStart(
          worker.process,
          workerEntry,
          () => worker.start(),
          () => worker.stop(),
        );
        (mode === "dist" ? samples.apiDist : samples.apiSource).push(a);
        (mode === "dist" ? samples.workerDist : samples.workerSource).push(w);
      }
      ctx.log(`start-up: round ${i + 1}/${rounds} done`);
    }
    // Leave the platform as the harness made it (compiled entries).
    (api.process.spec as { entry: string }).entry = API_ENTRY;
    (worker.process.spec as { entry: string }).entry = WORKER_ENTRY;

    const p50 = (list: Sample[], key: keyof Sample) => summarize(list.map((s) => s[key])).p50;
    return {
      rows: [
        row(
          "startup",
          "API spawn -> /readyz p50",
          "ms",
          p50(samples.apiDist, "startMs"),
          p50(samples.apiSource, "startMs"),
          "lower",
        ),
        row(
          "startup",
          "API RSS when ready p50",
          "MiB",
          p50(samples.apiDist, "rssMiB"),
          p50(samples.apiSource, "rssMiB"),
          "lower",
        ),
        row(
          "startup",
          "worker spawn -> ready p50",
          "ms",
          p50(samples.workerDist, "startMs"),
          p50(samples.workerSource, "startMs"),
          "lower",
        ),
        row(
          "startup",
          "worker RSS when ready p50",
          "MiB",
          p50(samples.workerDist, "rssMiB"),
          p50(samples.workerSource, "rssMiB"),
          "lower",
        ),
      ],
      baseline:
        "the same API / worker process started from its TypeScript sources through tsx (the first wave's way), alternating with the compiled start on the same platform",
      findings: [],
      details: { rounds, samples },
    };
  },
};
