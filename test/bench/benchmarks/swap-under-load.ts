import { buildPluginZip } from "../../harness/index.js";
import { type CallRecord, SteadyLoad } from "../../runtime/steady-load.js";
import type { Benchmark } from "../lib/benchmark.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const CALLERS = 4;
const PAUSE_BETWEEN_MS = 300;

const latency = (r: CallRecord) => r.finishedAt - r.startedAt;
const failed = (r: CallRecord) => r.status !== 200 || r.error !== null;

/**
 * 6. Swap under load: one API node invoked at a steady rate while the plugin is updated again
 * and again. Every call must succeed; the worst latency of calls started during a swap (from the
 * update request to its job succeeded) is compared with the worst of an equally long window of
 * the same load without swaps just before.
 */
export const swapUnderLoad: Benchmark = {
  name: "swap-under-load",
  title: "Swap under load",
  async run(ctx) {
    const updates = ctx.sizes.swapUpdates;
    const rate = ctx.sizes.swapRatePerSecond;
    const p = await ctx.platform({ apis: 1, workers: 1 });
    const name = `bench-swap-${p.id.slice(0, 4)}`;
    const submit = async (version: string, pluginId?: string) => {
      const zip = await buildPluginZip({ name, version });
      const res = pluginId ? await p.updateZip(pluginId, zip) : await p.installZip(zip);
      if (res.status !== 202) throw new Error(`${version} answered ${res.status}: ${res.text.slice(0, 300)}`);
      const job = await p.waitJob(res.body.jobId, { timeoutMs: 120_000 });
      if (job.state !== "succeeded")
        throw new Error(`${version}: job ${job.state} ${JSON.stringify(job.error)}`);
      return job;
    };
    const pluginId = (await submit("1.0.0")).pluginId!;
    const path = `/api/v1/plugins/${pluginId}/actions/execute`;

    const load = new SteadyLoad({
      targets: 1,
      ratePerTarget: rate,
      callersPerTarget: CALLERS,
      maxCallsPerTarget: rate * (60 + updates * 15),
      async call() {
        const res = await p.call<{ version?: string }>("POST", path, { params: { n: 1 } });
        return { status: res.status, answer: res.body ? { version: res.body.version ?? null } : null };
      },
    });
    const swapMs: number[] = [];
    load.phase("warm-up");
    load.start();
    let steadyMs = 0;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      // As long as the swaps will take, estimated from one update done before the load ran long.
      load.phase("steady");
      const steadyStart = Date.now();
      await submit("1.0.1", pluginId);
      const oneSwap = Date.now() - steadyStart;
      // The first update above ran under load but counts as warm-up; now a clean window of the same load.
      load.phase("steady-window");
      const windowMs = Math.min(30_000, Math.max(3000, oneSwap * updates));
      await new Promise((r) => setTimeout(r, windowMs));
      steadyMs = windowMs;
      ctx.log(`steady window ${windowMs} ms at ${rate} calls/s; now ${updates} updates under the same load`);
      for (let k = 0; k < updates; k += 1) {
        load.phase(`swap-${k}`);
        const t = Date.now();
        await submit(`1.0.${k + 2}`, pluginId);
        swapMs.push(Date.now() - t);
        load.phase("between");
        await new Promise((r) => setTimeout(r, PAUSE_BETWEEN_MS));
      }
    } finally {
      await load.stop();
    }

    const records = load.records;
    const steady = records.filter((r) => r.phase === "steady-window");
    const swaps = records.filter((r) => r.phase.startsWith("swap-"));
    const all = records.filter((r) => r.phase !== "warm-up");
    const failedSwaps = swaps.filter(failed);
    const failedSteady = steady.filter(failed);
    const failedAll = all.filter(failed);
    const swapLatency = summarize(swaps.filter((r) => !failed(r)).map(latency));
    const steadyLatency = summarize(steady.filter((r) => !failed(r)).map(latency));
    const lastVersion = `1.0.${updates + 1}`;
    const servedLast = records.filter((r) => r.answer?.version === lastVersion).length;
    const findings: string[] = [];
    if (failedAll.length > 0) {
      const kinds = new Map<string, number>();
      for (const r of failedAll) {
        const k = r.error ?? `HTTP ${r.status}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      findings.push(
        `${failedAll.length} failed calls of ${all.length} (${failedSwaps.length} during swaps): ${JSON.stringify(Object.fromEntries(kinds))}`,
      );
    }
    if (servedLast === 0) findings.push(`no call was served by the last version ${lastVersion}`);
    const bench = "swap-under-load";
    return {
      rows: [
        row(
          bench,
          `failed calls during ${updates} swaps`,
          "calls",
          failedSwaps.length,
          failedSteady.length,
          "lower",
        ),
        row(bench, "worst latency during a swap", "ms", swapLatency.max, steadyLatency.max, "lower"),
        row(bench, "p99 latency during swaps", "ms", swapLatency.p99, steadyLatency.p99, "lower"),
      ],
      baseline: `the same ${rate} calls/s load (${CALLERS} callers, HTTP action calls) during a ${(steadyMs / 1000).toFixed(1)} s window without swaps, just before`,
      findings,
      details: {
        updates,
        rate,
        calls: all.length,
        swapCalls: swaps.length,
        steadyCalls: steady.length,
        failedSwaps: failedSwaps.length,
        failedSteady: failedSteady.length,
        swapLatency,
        steadyLatency,
        swapDurationsMs: summarize(swapMs),
        servedByLastVersion: servedLast,
      },
    };
  },
};
