import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "@arcade/contracts";
import { silentLogger } from "@arcade/core";
import { PluginHost } from "@arcade/runtime";
import { buildExamplePlugin, REPO_ROOT } from "../../harness/index.js";
import { startBareServer } from "../lib/bare-server.js";
import type { Benchmark } from "../lib/benchmark.js";
import { closedLoop, httpLoad, type LoopResult } from "../lib/load.js";
import { row } from "../lib/report.js";

const PLUGIN_DIR = join(REPO_ROOT, "packages", "plugins", "notify-stdout");
const PARAMS = { message: "benchmark" };
const WARMUP_MS = 1000;
const MAX_CALLS = 2_000_000;

/**
 * A child process that answers every message with the same payload over an IPC channel with
 * advanced serialization: the floor of any sandbox call, now that every plugin is a process.
 */
function echoChild(): { call(payload: unknown): Promise<unknown>; stop(): Promise<void> } {
  const child = spawn(process.execPath, ["-e", "process.on('message', (m) => process.send(m));"], {
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    serialization: "advanced",
    env: {},
  });
  const pending = new Map<number, (value: unknown) => void>();
  let next = 0;
  child.on("message", (m: { id: number; payload: unknown }) => {
    pending.get(m.id)?.(m.payload);
    pending.delete(m.id);
  });
  return {
    call(payload) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ id, payload });
      });
    },
    stop: async () => {
      child.kill("SIGKILL");
    },
  };
}

/** Polls until the restarted node has loaded the plugin again (its boot reconcile), bounded. */
async function waitInvokable(call: () => Promise<Response>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await call().catch(() => null);
    if (res?.ok) return;
    if (Date.now() > deadline)
      throw new Error(`the restarted API did not serve the action again (last ${res?.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function loopRows(bench: string, label: string, a: LoopResult, b: LoopResult) {
  return [
    row(bench, `${label} calls/s`, "calls/s", a.perSecond, b.perSecond, "higher"),
    row(bench, `${label} p50`, "ms", a.latency.p50, b.latency.p50, "lower"),
    row(bench, `${label} p99`, "ms", a.latency.p99, b.latency.p99, "lower"),
  ];
}

/**
 * 5. Invoke: action calls of the notify-stdout example plugin, in-process through PluginHost
 * (against a raw IPC echo child with advanced serialization) and over HTTP through the API's action
 * route (against a bare Hono JSON endpoint in its own process), at the same concurrency.
 */
export const invoke: Benchmark = {
  name: "invoke",
  title: "Invoke",
  async run(ctx) {
    const seconds = ctx.sizes.invokeSeconds;
    const concurrency = ctx.sizes.invokeConcurrency;
    const connections = ctx.sizes.invokeConnections;
    const findings: string[] = [];
    const bench = "invoke";

    // In-process.
    const manifest = JSON.parse(await readFile(join(PLUGIN_DIR, "manifest.json"), "utf8")) as Manifest;
    const host = new PluginHost({
      nodeId: "bench",
      logger: silentLogger,
      pluginDataDir: join(await scratchDir(), "plugin-data"),
    });
    const pluginId = "plugin_notify-stdout_bench0";
    const echo = echoChild();
    let inProcess: LoopResult;
    let rawEcho: LoopResult;
    try {
      await host.load({
        pluginId,
        version: manifest.version,
        checksum: "0".repeat(64),
        manifest,
        dir: PLUGIN_DIR,
        config: null,
      });
      const hostCall = async () => {
        await host.invoke(pluginId, "send", PARAMS);
      };
      const echoCall = async () => {
        await echo.call({ action: "send", params: PARAMS });
      };
      await closedLoop({ concurrency, durationMs: WARMUP_MS, maxCalls: MAX_CALLS, call: hostCall });
      await closedLoop({ concurrency, durationMs: WARMUP_MS, maxCalls: MAX_CALLS, call: echoCall });
      ctx.log(`in-process: ${concurrency} concurrent callers for ${seconds} s, PluginHost then raw IPC echo`);
      inProcess = await closedLoop({
        concurrency,
        durationMs: seconds * 1000,
        maxCalls: MAX_CALLS,
        call: hostCall,
      });
      rawEcho = await closedLoop({
        concurrency,
        durationMs: seconds * 1000,
        maxCalls: MAX_CALLS,
        call: echoCall,
      });
      ctx.log(
        `  PluginHost ${inProcess.perSecond.toFixed(0)} calls/s, raw ${rawEcho.perSecond.toFixed(0)} calls/s`,
      );
      if (inProcess.failures > 0) {
        findings.push(`${inProcess.failures} in-process calls failed: ${inProcess.firstFailure}`);
      }
    } finally {
      await host.stopAll();
      await echo.stop();
    }

    // Over HTTP.
    const p = await ctx.platform({ apis: 1, workers: 1 });
    const bare = await startBareServer(ctx.services, p.runDir);
    try {
      const zip = await buildExamplePlugin("notify-stdout");
      const res = await p.installZip(zip);
      if (res.status !== 202) throw new Error(`install answered ${res.status}: ${res.text.slice(0, 300)}`);
      const job = await p.waitJob(res.body.jobId);
      if (job.state !== "succeeded") throw new Error(`install ${job.state}: ${JSON.stringify(job.error)}`);
      const body = JSON.stringify({ params: PARAMS });
      const api = {
        url: `${p.apis[0]!.url}/api/v1/plugins/${job.pluginId}/actions/send`,
        headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" },
      };
      const base = { url: `${bare.url}/echo`, headers: { "content-type": "application/json" } };
      const load = (t: { url: string; headers: Record<string, string> }, s: number) =>
        httpLoad({ ...t, method: "POST", body, connections, durationSeconds: s, maxRequests: MAX_CALLS });
      await load(api, 1);
      await load(base, 1);
      ctx.log(`HTTP: ${connections} connections for ${seconds} s, bare Hono then the API`);
      const bareRun = await load(base, seconds);
      const apiRun = await load(api, seconds);
      ctx.log(
        `  API ${apiRun.okPerSecond.toFixed(0)} calls/s, bare ${bareRun.okPerSecond.toFixed(0)} calls/s`,
      );
      if (apiRun.non2xx + apiRun.errors + apiRun.timeouts > 0) {
        findings.push(
          `HTTP: ${apiRun.non2xx} non-2xx, ${apiRun.errors} errors, ${apiRun.timeouts} timeouts (${JSON.stringify(apiRun.statusCodes)})`,
        );
      }
      // Diagnostic, not a table row: every call writes three info lines (the request, the
      // plugin's stdout line, its logger call); the same load at level warn shows their share.
      ctx.log("diagnostic: the same HTTP load with ARCADE_LOG_LEVEL=warn");
      await p.apis[0]!.restart({ env: { ARCADE_LOG_LEVEL: "warn" } });
      await waitInvokable(() => fetch(api.url, { method: "POST", headers: api.headers, body }));
      const quietRun = await load(api, seconds);
      findings.push(
        `HTTP invoke at log level warn: ${quietRun.okPerSecond.toFixed(0)} calls/s, p50 ${quietRun.p50.toFixed(2)} ms (at info: ${apiRun.okPerSecond.toFixed(0)} calls/s, p50 ${apiRun.p50.toFixed(2)} ms)`,
      );
      return {
        rows: [
          ...loopRows(bench, "in-process", inProcess, rawEcho),
          row(bench, "HTTP calls/s", "calls/s", apiRun.okPerSecond, bareRun.okPerSecond, "higher"),
          row(bench, "HTTP p50", "ms", apiRun.p50, bareRun.p50, "lower"),
          row(bench, "HTTP p99", "ms", apiRun.p99, bareRun.p99, "lower"),
        ],
        baseline: `in-process: a raw IPC echo child (advanced serialization, as a plugin process) at the same ${concurrency} concurrent callers; HTTP: a bare Hono JSON echo endpoint (own process) at the same ${connections} connections`,
        findings,
        details: {
          seconds,
          concurrency,
          connections,
          inProcess,
          rawEcho,
          http: apiRun,
          bare: bareRun,
          httpAtLogLevelWarn: quietRun,
        },
      };
    } finally {
      await bare.stop().catch(() => {});
    }
  },
};

/** A scratch folder plugin processes (another OS user when the bench runs as root) can pass through. */
async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "arcade-bench-"));
  await chmod(dir, 0o711);
  return dir;
}
