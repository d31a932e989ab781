import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPluginZip } from "../../harness/index.js";
import type { Benchmark } from "../lib/benchmark.js";
import { stepDurations } from "../lib/job-times.js";
import { storePut } from "../lib/raw-costs.js";
import { row } from "../lib/report.js";
import { RssSampler, readRss } from "../lib/rss-sampler.js";
import { summarize } from "../lib/stats.js";

const MIB = 1024 * 1024;
const RAW_PUTS = 3;
/** Peak RSS growing by more than this from the small to the large artifact is reported. */
const RSS_GROWTH_LIMIT = 1.25;

/**
 * 4. Large artifact: a plugin with an incompressible padding file, installed end to end (upload,
 * worker pipeline, the node fetching and unpacking it). MB/s against a raw object-store put of
 * the same file; peak RSS (VmRSS sampled every 20 ms) of the API and worker processes for the
 * large artifact against a small one, which must be about the same.
 */
export const largeArtifact: Benchmark = {
  name: "large-artifact",
  title: "Large artifact",
  async run(ctx) {
    const largeMiB = ctx.sizes.largeArtifactMiB;
    const smallMiB = ctx.sizes.smallArtifactMiB;
    const limit = `${Math.max(64, largeMiB * 3)}MiB`;
    const p = await ctx.platform({
      apis: 1,
      workers: 1,
      env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: limit, ARCADE_PLUGIN_MAX_UNCOMPRESSED_SIZE: limit },
    });
    const pids = () => ({ api: p.apis[0]!.pid, worker: p.workers[0]!.pid });
    const tag = p.id.slice(0, 4);

    const installSized = async (label: string, mib: number) => {
      const zip = await buildPluginZip({ name: `bench-large-${tag}-${label}`, paddingBytes: mib * MIB });
      const file = join(p.runDir, `${label}.zip`);
      await writeFile(file, zip);
      const sampler = new RssSampler(pids).start();
      const t0 = Date.now();
      const res = await p.installZip(file);
      if (res.status !== 202) throw new Error(`${label} answered ${res.status}: ${res.text.slice(0, 300)}`);
      const job = await p.waitJob(res.body.jobId, { timeoutMs: 600_000 });
      const peaks = await sampler.stop();
      if (job.state !== "succeeded" || !job.finishedAt) {
        throw new Error(`${label} install ${job.state}: ${JSON.stringify(job.error)}`);
      }
      const seconds = (Date.parse(job.finishedAt) - t0) / 1000;
      const mb = zip.length / 1e6;
      ctx.log(
        `  ${label}: ${mb.toFixed(1)} MB in ${seconds.toFixed(2)} s, peak RSS api ${peaks.api?.toFixed(0)} MiB, worker ${peaks.worker?.toFixed(0)} MiB`,
      );
      return {
        zip,
        seconds,
        mbPerSecond: mb / seconds,
        peaks,
        nodes: job.result?.nodes ?? null,
        stepsMs: stepDurations(job),
      };
    };

    ctx.log("warm-up: a tiny install (not counted)");
    await installSized("warm", 0);
    ctx.log(`small artifact: ${smallMiB} MiB`);
    const small = await installSized("small", smallMiB);
    ctx.log(`large artifact: ${largeMiB} MiB`);
    const large = await installSized("large", largeMiB);
    const lifetimePeaks = {
      api: await readRss(p.apis[0]!.pid ?? -1, "VmHWM"),
      worker: await readRss(p.workers[0]!.pid ?? -1, "VmHWM"),
    };

    ctx.log(`raw object-store put of the same ${largeMiB} MiB file, ${RAW_PUTS} times`);
    const puts = summarize(await storePut(ctx.services, large.zip, RAW_PUTS));
    const rawMbPerSecond = large.zip.length / 1e6 / (puts.p50 / 1000);

    const findings: string[] = [];
    for (const proc of ["api", "worker"] as const) {
      const a = small.peaks[proc] ?? 0;
      const b = large.peaks[proc] ?? 0;
      if (a > 0 && b / a > RSS_GROWTH_LIMIT) {
        findings.push(
          `${proc} peak RSS grows with the artifact: ${a.toFixed(0)} MiB at ${smallMiB} MiB, ${b.toFixed(0)} MiB at ${largeMiB} MiB`,
        );
      }
    }
    const bench = "large-artifact";
    return {
      rows: [
        row(
          bench,
          `end-to-end throughput, ${largeMiB} MiB`,
          "MB/s",
          large.mbPerSecond,
          rawMbPerSecond,
          "higher",
        ),
        row(
          bench,
          `API peak RSS, ${largeMiB} vs ${smallMiB} MiB`,
          "MiB",
          large.peaks.api ?? 0,
          small.peaks.api ?? 0,
          "lower",
        ),
        row(
          bench,
          `worker peak RSS, ${largeMiB} vs ${smallMiB} MiB`,
          "MiB",
          large.peaks.worker ?? 0,
          small.peaks.worker ?? 0,
          "lower",
        ),
      ],
      baseline: `throughput: a raw S3ObjectStore put of the same ${largeMiB} MiB file (p50 of ${RAW_PUTS}); RSS: the same process's peak while installing a ${smallMiB} MiB artifact just before`,
      findings,
      details: {
        largeMiB,
        smallMiB,
        large: {
          seconds: large.seconds,
          mbPerSecond: large.mbPerSecond,
          peaks: large.peaks,
          nodes: large.nodes,
          stepsMs: large.stepsMs,
        },
        small: {
          seconds: small.seconds,
          mbPerSecond: small.mbPerSecond,
          peaks: small.peaks,
          nodes: small.nodes,
        },
        lifetimePeaksMiB: lifetimePeaks,
        rawPut: puts,
        rawMbPerSecond,
      },
    };
  },
};
