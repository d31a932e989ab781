/**
 * Benchmark runner (issue 7): every figure beside a baseline measured in the same run, on the
 * same machine, against the real services.
 *
 *   npm run bench [-- --quick] [-- --only accept,invoke]
 *   pnpm exec tsx --tsconfig infra/tsconfig.run.json test/bench/run.ts [--only name[,name]] [--quick]
 *
 * Writes test/bench/results/<timestamp>.json and prints a markdown table at the end.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { accept } from "./benchmarks/accept.js";
import { e2eInstall } from "./benchmarks/e2e-install.js";
import { invoke } from "./benchmarks/invoke.js";
import { largeArtifact } from "./benchmarks/large-artifact.js";
import { propagation } from "./benchmarks/propagation.js";
import { sandbox } from "./benchmarks/sandbox.js";
import { startup } from "./benchmarks/startup.js";
import { swapUnderLoad } from "./benchmarks/swap-under-load.js";
import { throughput } from "./benchmarks/throughput.js";
import { wait } from "./benchmarks/wait.js";
import type { Benchmark } from "./lib/benchmark.js";
import { createContext, FULL, QUICK } from "./lib/context.js";
import { cpuBusySince, cpuMark } from "./lib/cpu.js";
import { describeMachine, machineInfo } from "./lib/machine.js";
import { type BenchmarkOutcome, markdownTable, type RunSummary } from "./lib/report.js";
import { ensureServices } from "./lib/services.js";

const BENCHMARKS: Benchmark[] = [
  accept,
  e2eInstall,
  propagation,
  largeArtifact,
  invoke,
  swapUnderLoad,
  throughput,
  startup,
  sandbox,
  wait,
];

interface Args {
  quick: boolean;
  only: string[] | null;
}

function usage(): string {
  return [
    "usage: run.ts [--quick] [--only name[,name...]]",
    `benchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}`,
  ].join("\n");
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === "--quick") args.quick = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const value = a.startsWith("--only=") ? a.slice("--only=".length) : argv[++i];
      if (!value) throw new Error(`--only needs a name\n${usage()}`);
      args.only = [
        ...(args.only ?? []),
        ...value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      ];
    } else if (a === "--help" || a === "-h") {
      console.log(usage());
      process.exit(0);
    } else if (a === "--") {
      // pnpm/npm pass it through
    } else throw new Error(`unknown argument ${a}\n${usage()}`);
  }
  const unknown = (args.only ?? []).filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")}\n${usage()}`);
  return args;
}

const runStarted = performance.now();
function log(line: string): void {
  const s = ((performance.now() - runStarted) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${line}`);
}

/** The commit the figures belong to (with "+changes" when the tree differs from it). */
function gitCommit(): Promise<string | null> {
  const git = (args: string[]) =>
    new Promise<string | null>((resolve) =>
      execFile("git", args, { cwd: import.meta.dirname }, (error, stdout) =>
        resolve(error ? null : stdout.trim()),
      ),
    );
  return Promise.all([git(["rev-parse", "--short", "HEAD"]), git(["status", "--porcelain"])]).then(
    ([head, status]) => (head === null ? null : `${head}${status ? "+changes" : ""}`),
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Node 20 is what this project runs on; the SDK's notice about Node 22 is noise in a report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const selected = BENCHMARKS.filter((b) => !args.only || args.only.includes(b.name));
  const machine = await machineInfo();
  const sizes = args.quick ? QUICK : FULL;
  const startedAt = new Date();
  log(`${args.quick ? "quick" : "full"} run of ${selected.map((b) => b.name).join(", ")}`);
  log(`machine: ${describeMachine(machine)}`);

  const services = await ensureServices(log);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the services and exiting`);
    services.stopSync();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const summary: RunSummary = { results: [] };
  const timings: Record<string, number> = {};
  /** How busy the whole machine was during each benchmark: other work on it skews the figures. */
  const environment: Record<string, { loadAverageAtStart: number; machineCpuBusy: number }> = {};
  try {
    for (const [index, bench] of selected.entries()) {
      log(`=== [${index + 1}/${selected.length}] ${bench.title}`);
      const ctx = createContext(
        {
          quick: args.quick,
          sizes,
          services,
          log: (line) => log(`  ${bench.name}: ${line}`),
        },
        bench.name,
      );
      const t = performance.now();
      const cpuStart = await cpuMark();
      const loadAtStart = loadavg()[0] ?? 0;
      let outcome: BenchmarkOutcome | null = null;
      let error: string | null = null;
      try {
        outcome = await bench.run(ctx);
      } catch (e) {
        error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        log(`  ${bench.name} FAILED: ${error}`);
      } finally {
        await ctx.cleanup();
      }
      timings[bench.name] = Math.round(performance.now() - t);
      const busy = await cpuBusySince(cpuStart);
      environment[bench.name] = {
        loadAverageAtStart: Math.round(loadAtStart * 100) / 100,
        machineCpuBusy: Math.round(busy * 100) / 100,
      };
      log(
        `=== ${bench.name} done in ${(timings[bench.name]! / 1000).toFixed(1)} s (machine CPU ${(busy * 100).toFixed(0)}% busy, load ${loadAtStart.toFixed(1)} at its start)`,
      );
      summary.results.push({ name: bench.name, title: bench.title, outcome, error });
    }
  } finally {
    if (services.owned) log("services: stopping");
    await services.stop();
  }

  const finishedAt = new Date();
  const dir = join(import.meta.dirname, "results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        mode: args.quick ? "quick" : "full",
        commit: await gitCommit(),
        machine,
        sizes,
        timingsMs: timings,
        environment,
        results: summary.results.map((r) => ({
          name: r.name,
          title: r.title,
          error: r.error,
          rows: r.outcome?.rows ?? [],
          baseline: r.outcome?.baseline ?? null,
          findings: r.outcome?.findings ?? [],
          details: r.outcome?.details ?? null,
        })),
      },
      null,
      2,
    )}\n`,
  );
  console.log("");
  console.log(`## Arcade benchmarks (${args.quick ? "quick" : "full"} run, ${startedAt.toISOString()})`);
  console.log("");
  console.log(`Machine: ${describeMachine(machine)}`);
  console.log("");
  console.log(markdownTable(summary));
  console.log("");
  console.log(
    `Machine CPU busy during each benchmark (all cores, including the services and anything else running): ${Object.entries(
      environment,
    )
      .map(
        ([name, e]) =>
          `${name} ${(e.machineCpuBusy * 100).toFixed(0)}% (load ${e.loadAverageAtStart} at start)`,
      )
      .join(", ")}`,
  );
  console.log("");
  console.log(`Ratio = value / baseline. Results: ${file}`);
  log(`total ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
  return summary.results.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
