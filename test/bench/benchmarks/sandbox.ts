import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "@arcade/contracts";
import { permissionsOf, silentLogger } from "@arcade/core";
import {
  entryPath,
  PluginDataDirs,
  PluginHost,
  prepareSandboxRuntime,
  Sandbox,
  type SandboxRuntime,
  spawnPlugin,
} from "@arcade/runtime";
import type { Benchmark } from "../lib/benchmark.js";
import { closedLoop } from "../lib/load.js";
import { row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const PLUGIN_SOURCE = `export default { actions: { execute(params) { return params; } } };\n`;
const PARAMS = { message: "hello", n: 1 };

/** The baseline child: imports one module, says hello, echoes every message (advanced serialization). */
const BARE_SOURCE = `import { value } from "./one.mjs";
process.on("message", (m) => process.send(m));
process.send({ type: "hello", value });
`;

function manifestOf(name: string, version = "1.0.0"): Manifest {
  return { name, version, pluginType: "custom", entryPoint: "index.mjs" };
}

async function rssAnonMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^RssAnon:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function vmRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bare Node child (the platform's Node, no flags) importing one module, with an IPC channel. */
function bareChild(dir: string): Promise<{ child: ChildProcess; startMs: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, [join(dir, "bare.mjs")], {
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    serialization: "advanced",
    env: {},
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the bare child exited (${code})`)));
    child.once("message", () => {
      child.removeAllListeners("exit");
      resolve({ child, startMs: performance.now() - t });
    });
  });
}

function echoCall(child: ChildProcess) {
  let next = 0;
  const pending = new Map<number, () => void>();
  child.on("message", (m: { id?: number }) => {
    if (typeof m.id !== "number") return;
    pending.get(m.id)?.();
    pending.delete(m.id);
  });
  // The same message shape and payload a sandbox call carries.
  return () =>
    new Promise<void>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      child.send({ type: "invoke", id, action: "execute", params: PARAMS });
    });
}

async function writePlugin(root: string, pluginId: string, version = "1.0.0"): Promise<string> {
  const dir = join(root, "cache", `${pluginId}_${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifestOf(pluginId, version)));
  await writeFile(join(dir, "index.mjs"), PLUGIN_SOURCE);
  return dir;
}

function sandboxOptions(runtime: SandboxRuntime, pluginId: string, dir: string, dataDir: string) {
  const manifest = manifestOf(pluginId);
  return {
    pluginId,
    version: manifest.version,
    entryPath: entryPath(dir, manifest.entryPoint),
    dir,
    dataDir,
    permissions: permissionsOf(manifest),
    runtime,
    config: {},
    requiredActions: [],
    memoryMb: 64,
    loadTimeoutMs: 20_000,
    cleanupTimeoutMs: 2_000,
    logger: silentLogger,
  };
}

/**
 * 9. Plugin sandboxes (issue 11): every plugin is a Node process under the permission model,
 * as an unprivileged user, with RLIMIT_AS. Each figure beside a raw baseline in the same run:
 * start against a bare child importing one module, an invoke round trip against a raw
 * advanced-serialization IPC echo, private memory (RssAnon; the Node binary's pages are shared)
 * against a bare child, and what 50 loaded plugins cost one node.
 */
export const sandbox: Benchmark = {
  name: "sandbox",
  title: "Plugin sandboxes (processes)",
  async run(ctx) {
    const samples = ctx.quick ? 8 : 30;
    const plugins = ctx.quick ? 20 : 50;
    const seconds = ctx.quick ? 2 : 5;
    const root = await mkdtemp(join(tmpdir(), "arcade-bench-sandbox-"));
    // Plugin processes run as another user when the bench runs as root.
    await chmod(root, 0o711);
    await writeFile(join(root, "bare.mjs"), BARE_SOURCE);
    await writeFile(join(root, "one.mjs"), "export const value = 1;\n");
    const runtime = await prepareSandboxRuntime({}, silentLogger);
    const dataDirs = new PluginDataDirs(join(root, "plugin-data"), runtime.user);
    const findings: string[] = [];
    const live: { stop(): Promise<unknown> }[] = [];
    try {
      // --- start ---------------------------------------------------------------------------
      ctx.log(`sandbox: ${samples} cold starts, warm-spare starts and bare children, alternating`);
      const dir = await writePlugin(root, "plugin_bench_start00");
      const dataDir = await dataDirs.ensure("plugin_bench_start00");
      const options = sandboxOptions(runtime, "plugin_bench_start00", dir, dataDir);
      const cold: number[] = [];
      const warm: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < samples; i += 1) {
        const b = await bareChild(root);
        bare.push(b.startMs);
        b.child.kill("SIGKILL");
        const c = new Sandbox(options);
        let t = performance.now();
        await c.start();
        cold.push(performance.now() - t);
        await c.stop(1000);
        // A spare: started ahead with the plugin's launch plan; the swap only sends it the plugin.
        const spare = spawnPlugin(Sandbox.planOf(options));
        await new Promise<void>((resolve) =>
          spare.child.on("message", (m: { type?: string }) => {
            if (m?.type === "hello") {
              spare.helloed = true;
              resolve();
            }
          }),
        );
        const w = new Sandbox({ ...options, spare });
        t = performance.now();
        await w.start();
        warm.push(performance.now() - t);
        await w.stop(1000);
      }

      // --- invoke --------------------------------------------------------------------------
      ctx.log(
        `sandbox: invoke round trips for ${seconds} s each (1 and 32 in flight), PluginHost then raw IPC echo`,
      );
      const host = new PluginHost({
        nodeId: "bench",
        logger: silentLogger,
        pluginDataDir: join(root, "plugin-data"),
      });
      live.push({ stop: () => host.stopAll() });
      const one = "plugin_bench_invoke0";
      await host.load({
        pluginId: one,
        version: "1.0.0",
        checksum: "0".repeat(64),
        manifest: manifestOf(one),
        dir: await writePlugin(root, one),
        config: null,
      });
      const hostCall = async () => {
        await host.invoke(one, "execute", PARAMS);
      };
      const echo = await bareChild(root);
      live.push({ stop: async () => echo.child.kill("SIGKILL") });
      const rawCall = echoCall(echo.child);
      const loop = (concurrency: number, call: () => Promise<void>) =>
        closedLoop({ concurrency, durationMs: seconds * 1000, maxCalls: 2_000_000, call });
      await loop(8, hostCall);
      await loop(8, rawCall);
      const hostSerial = await loop(1, hostCall);
      const rawSerial = await loop(1, rawCall);
      const hostWide = await loop(32, hostCall);
      const rawWide = await loop(32, rawCall);
      for (const r of [hostSerial, hostWide]) {
        if (r.failures > 0) findings.push(`${r.failures} sandbox calls failed: ${r.firstFailure}`);
      }

      // --- memory of an idle bare child (fresh: the echo child above has served many calls) ----
      const idleBare: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const b = await bareChild(root);
        await settle(1000);
        idleBare.push(await rssAnonMiB(b.child.pid as number));
        b.child.kill("SIGKILL");
      }
      const bareAnon = summarize(idleBare).p50;

      // --- 50 plugins on one node --------------------------------------------------------------
      ctx.log(`sandbox: ${plugins} plugins loaded one after another on one node`);
      const nodeBefore = await vmRssMiB(process.pid);
      const loadTimes: number[] = [];
      const ids: string[] = [];
      for (let i = 0; i < plugins; i += 1) {
        const id = `plugin_bench_many${String(i).padStart(2, "0")}`;
        const d = await writePlugin(root, id);
        const t = performance.now();
        await host.load({
          pluginId: id,
          version: "1.0.0",
          checksum: "0".repeat(64),
          manifest: manifestOf(id),
          dir: d,
          config: null,
        });
        loadTimes.push(performance.now() - t);
        ids.push(id);
      }
      await settle(1000);
      // Loaded and never called: idle plugins.
      const anon: number[] = [];
      const rss: number[] = [];
      for (const id of ids) {
        const pid = host.get(id)?.sandbox?.pid as number;
        anon.push(await rssAnonMiB(pid));
        rss.push(await vmRssMiB(pid));
      }
      const anonSum = anon.reduce((a, b) => a + b, 0);
      const idleAnon = summarize(anon).p50;
      const nodeAfter = await vmRssMiB(process.pid);
      let turn = 0;
      const manyCall = async () => {
        const id = ids[turn++ % ids.length] as string;
        await host.invoke(id, "execute", PARAMS);
      };
      const manySerial = await loop(1, manyCall);
      const oneAgain = await loop(1, hostCall);
      const loadAll = loadTimes.reduce((a, b) => a + b, 0);
      const bareStart = summarize(bare).p50;

      const bench = "sandbox";
      return {
        rows: [
          row(bench, "cold start p50 (spawn, import, init)", "ms", summarize(cold).p50, bareStart, "lower"),
          row(
            bench,
            "start from a warm spare p50 (a hot swap)",
            "ms",
            summarize(warm).p50,
            bareStart,
            "lower",
          ),
          row(
            bench,
            "invoke round trip p50 (1 in flight)",
            "ms",
            hostSerial.latency.p50,
            rawSerial.latency.p50,
            "lower",
          ),
          row(
            bench,
            "invoke calls/s (32 in flight)",
            "calls/s",
            hostWide.perSecond,
            rawWide.perSecond,
            "higher",
          ),
          row(bench, "invoke p50 (32 in flight)", "ms", hostWide.latency.p50, rawWide.latency.p50, "lower"),
          row(bench, "private memory per idle plugin (RssAnon p50)", "MiB", idleAnon, bareAnon, "lower"),
          row(
            bench,
            `${plugins} plugins: private memory (sum of RssAnon)`,
            "MiB",
            anonSum,
            bareAnon * plugins,
            "lower",
          ),
          row(
            bench,
            `${plugins} plugins: loading all, one after another`,
            "ms",
            loadAll,
            bareStart * plugins,
            "lower",
          ),
          row(bench, `${plugins} plugins: node RSS after vs before`, "MiB", nodeAfter, nodeBefore, "lower"),
          row(
            bench,
            `invoke p50 with ${plugins + 1} loaded vs 1`,
            "ms",
            manySerial.latency.p50,
            oneAgain.latency.p50,
            "lower",
          ),
        ],
        baseline: `a bare Node ${process.version} child (no flags) that imports one module and answers over an IPC channel with advanced serialization: its spawn-to-first-message time (${bareStart.toFixed(1)} ms p50), its echo of the same message (raw round trip), its RssAnon (${bareAnon.toFixed(1)} MiB); plugin sandboxes add --permission, the OS user, prlimit and the bootstrap`,
        findings,
        details: {
          samples,
          plugins,
          cold: summarize(cold),
          warm: summarize(warm),
          bare: summarize(bare),
          idle: { rssAnonMiB: summarize(anon), vmRssMiB: summarize(rss), bareRssAnonMiB: idleBare },
          invoke: { hostSerial, rawSerial, hostWide, rawWide, manySerial, oneAgain },
          many: {
            loadTimes: summarize(loadTimes),
            anonSumMiB: anonSum,
            nodeBeforeMiB: nodeBefore,
            nodeAfterMiB: nodeAfter,
          },
          addressSpace: {
            idleMb: runtime.idleAddressSpaceMb,
            prlimit: runtime.prlimitPath,
            user: runtime.user,
          },
        },
      };
    } finally {
      for (const item of live.reverse()) await item.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  },
};
