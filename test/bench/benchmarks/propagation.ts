import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { Manifest } from "@arcade/contracts";
import { buildPluginZip, pluginManifest, pluginSource } from "../../harness/index.js";
import type { Benchmark } from "../lib/benchmark.js";
import { EventWatch } from "../lib/event-watch.js";
import { loadTimes } from "../lib/node-logs.js";
import { redisFanOut, sandboxStart, writePluginFolder } from "../lib/raw-costs.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

/**
 * 3. Propagation: N node processes (APIs) run a plugin; it is updated again and again. For each
 * update: from the event on the Redis channel (received by a subscriber in this process) to the
 * last node's "plugin loaded" of the new version, against a raw Redis pub/sub fan-out round trip
 * to N subscribers plus one sandbox start.
 */
export const propagation: Benchmark = {
  name: "propagation",
  title: "Propagation",
  async run(ctx) {
    const nodes = ctx.sizes.propagationNodes;
    const updates = ctx.sizes.propagationUpdates;
    const samples = ctx.sizes.rawCostSamples;
    const p = await ctx.platform({ apis: nodes, workers: 1 });
    const pluginName = `bench-prop-${p.id.slice(0, 4)}`;

    const events = await EventWatch.start(ctx.services.redisUrl, p.resources.redisPrefix);
    try {
      const logFiles = p.apis.map((a) => a.logFile);
      const submit = async (version: string, pluginId?: string) => {
        const zip = await buildPluginZip({ name: pluginName, version });
        const res = pluginId ? await p.updateZip(pluginId, zip) : await p.installZip(zip);
        if (res.status !== 202)
          throw new Error(`${version} answered ${res.status}: ${res.text.slice(0, 300)}`);
        const job = await p.waitJob(res.body.jobId, { timeoutMs: 120_000 });
        if (job.state !== "succeeded")
          throw new Error(`${version}: job ${job.state} ${JSON.stringify(job.error)}`);
        return job;
      };
      const first = await submit("1.0.0");
      const pluginId = first.pluginId!;
      ctx.log(`${updates} updates of ${pluginId} across ${nodes} nodes`);
      const spans: number[] = [];
      const firstNode: number[] = [];
      const findings: string[] = [];
      // One warm-up update, not counted: the first swap on each node compiles code paths once.
      for (let k = 0; k <= updates; k += 1) {
        const version = `1.0.${k + 1}`;
        const job = await submit(version, pluginId);
        const applied = job.result?.nodes?.applied.length ?? 0;
        if (applied < nodes) {
          findings.push(`update to ${version}: only ${applied} of ${nodes} nodes applied it`);
        }
        if (k === 0) continue;
        const event = events.at(pluginId, version);
        const times = await loadTimes(logFiles, pluginId, version);
        const loaded = times.filter((t): t is number => t !== undefined);
        if (event === undefined || loaded.length < nodes) {
          findings.push(
            `update to ${version}: ${event === undefined ? "no event seen" : `${loaded.length} of ${nodes} nodes logged the load`}`,
          );
          continue;
        }
        spans.push(Math.max(...loaded) - event);
        firstNode.push(Math.min(...loaded) - event);
      }

      ctx.log(`raw: Redis fan-out to ${nodes} subscribers and sandbox starts, ${samples} samples each`);
      const manifest = pluginManifest({ name: pluginName }) as unknown as Manifest;
      const dir = await writePluginFolder(
        join(await mkdtemp(join(p.runDir, "raw-")), "plugin"),
        manifest,
        pluginSource("custom", "1.0.0"),
      );
      const fanOut = summarize(await redisFanOut(ctx.services.redisUrl, nodes, samples));
      const sandbox = summarize(await sandboxStart(dir, manifest, samples));
      const last = summarize(spans);
      const bench = "propagation";
      return {
        rows: [
          row(
            bench,
            `event -> last of ${nodes} nodes swapped p50`,
            "ms",
            last.p50,
            fanOut.p50 + sandbox.p50,
            "lower",
          ),
          row(
            bench,
            `event -> last of ${nodes} nodes swapped p99`,
            "ms",
            last.p99,
            fanOut.p99 + sandbox.p99,
            "lower",
          ),
        ],
        baseline: `a raw Redis pub/sub fan-out round trip to ${nodes} subscribers (p50 ${fanOut.p50.toFixed(2)} ms) plus one sandbox start (p50 ${sandbox.p50.toFixed(1)} ms), p50s resp. p99s added`,
        findings,
        details: { nodes, updates, lastNode: last, firstNode: summarize(firstNode), fanOut, sandbox },
      };
    } finally {
      events.stop();
    }
  },
};
