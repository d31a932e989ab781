import { LATENCY_BUCKETS_MS } from "@arcade/contracts";
import { AppError, latencyBucket } from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callOutcome, MAX_COUNTED_VERSIONS, PluginCounters } from "./plugin-counters.js";
import { PluginHost } from "./plugin-host.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { customPlugin, pluginWorkspace, waitFor, writePlugin } from "./testing/plugin-fixtures.js";

function histogram(entries: Record<number, number>): number[] {
  const h = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [bucket, n] of Object.entries(entries)) h[Number(bucket)] = n;
  return h;
}

describe("PluginCounters", () => {
  it("counts calls, errors and their latency per version; refusals before the plugin ran count nothing", () => {
    const c = new PluginCounters();
    c.callEnded("p", "1.0.0", 0.4);
    c.callEnded("p", "1.0.0", 3, new AppError("ACTION_FAILED", "boom"));
    c.callEnded("p", "1.0.0", 45_000, new AppError("ACTION_TIMEOUT", "slow"));
    c.callEnded("p", "1.0.0", 7, new AppError("PERMISSION_DENIED", "no"));
    c.callEnded("p", "1.0.0", 1, new AppError("PLUGIN_NOT_LOADED", "gone"));
    c.callEnded("p", "1.0.0", 1, new AppError("PARAMS_INVALID", "not plain"));
    c.callEnded("p", "2.0.0", 12);
    expect(c.of("p")).toEqual([
      {
        version: "1.0.0",
        loadFailures: 0,
        crashes: 0,
        calls: 4,
        errors: 3,
        latency: histogram({ 0: 1, 2: 1, 3: 1, [LATENCY_BUCKETS_MS.length]: 1 }),
      },
      { version: "2.0.0", loadFailures: 0, crashes: 0, calls: 1, errors: 0, latency: histogram({ 4: 1 }) },
    ]);
    expect(c.of("other")).toEqual([]);
  });

  it("counts crashes and load failures, and lists a loaded version with zeros", () => {
    const c = new PluginCounters();
    c.loaded("p", "1.0.0");
    c.crashed("p", "2.0.0");
    c.crashed("p", "2.0.0");
    c.loadFailed("p", "2.0.0");
    expect(
      c.of("p").map(({ version, crashes, loadFailures, calls }) => [version, crashes, loadFailures, calls]),
    ).toEqual([
      ["1.0.0", 0, 0, 0],
      ["2.0.0", 2, 1, 0],
    ]);
  });

  it("hands out copies, and keeps at most MAX_COUNTED_VERSIONS versions, dropping the stalest", () => {
    const c = new PluginCounters();
    c.callEnded("p", "0.0.0", 1);
    const copy = c.of("p")[0];
    if (copy) copy.latency[0] = 99;
    expect(c.of("p")[0]?.latency[0]).toBe(1);
    for (let i = 1; i <= MAX_COUNTED_VERSIONS; i++) {
      c.loaded("p", `1.0.${i}`);
      c.callEnded("p", "0.0.0", 1); // still in use: never the stalest
    }
    const versions = c.of("p").map((v) => v.version);
    expect(versions).toHaveLength(MAX_COUNTED_VERSIONS);
    expect(versions).toContain("0.0.0");
    expect(versions).not.toContain("1.0.1");
  });

  it("classifies outcomes", () => {
    expect(callOutcome(undefined)).toBe("ok");
    expect(callOutcome(new Error("plain"))).toBe("error");
    expect(callOutcome(new AppError("ACTION_FAILED", "x"))).toBe("error");
    expect(callOutcome(new AppError("PLUGIN_NOT_LOADED", "x"))).toBe("not-run");
  });
});

describe("PluginHost counters, with real plugin processes", () => {
  let root: string;
  let dataRoot: string;
  let removeRoot: () => Promise<void>;
  const hosts: PluginHost[] = [];
  beforeAll(async () => {
    ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stopAll()));
  });
  afterAll(async () => {
    await removeRoot();
  });

  function newHost() {
    const host = new PluginHost({
      nodeId: "n1",
      logger: capturingLogger(),
      loadTimeoutMs: 10_000,
      drainTimeoutMs: 2_000,
      cleanupTimeoutMs: 1_000,
      restartBackoffMs: 20,
      pluginDataDir: dataRoot,
    });
    hosts.push(host);
    return host;
  }

  // params.mode: ok, fail (throws), hang (never answers), exit (ends the process mid-call).
  const modes = customPlugin(`
    if (params.mode === "fail") throw new Error("asked to fail");
    if (params.mode === "hang") return new Promise(() => {});
    if (params.mode === "exit") { setTimeout(() => process.exit(3), 0); return new Promise(() => {}); }
    return { ok: true };
  `);

  it("counts ok, failed, timed-out and crashed calls of the version that served them, and reports them", async () => {
    const host = newHost();
    await host.load(await writePlugin(root, { pluginId: "p_modes", version: "1.0.0", source: modes }));
    const call = (mode: string, timeoutMs?: number) =>
      host.invoke("p_modes", "execute", { mode }, timeoutMs ? { timeoutMs } : {}).then(
        () => "ok",
        (e: AppError) => e.code,
      );
    expect(await call("ok")).toBe("ok");
    expect(await call("ok")).toBe("ok");
    expect(await call("fail")).toBe("ACTION_FAILED");
    // A timeout is an error, and the host kills the hung process: a crash too.
    expect(await call("hang", 300)).toBe("ACTION_TIMEOUT");
    await waitFor(() => host.get("p_modes")?.state === "loaded", "restart after the timeout");
    // A crash mid-call: an error and a crash.
    expect(await call("exit")).toBe("ACTION_FAILED");
    await waitFor(() => host.get("p_modes")?.state === "loaded", "restart after the exit");
    // Refused before reaching the plugin: not counted.
    expect(await call("ok", -1)).toBe("VALIDATION_FAILED");

    const [counters] = host.counters.of("p_modes");
    expect(counters).toMatchObject({ version: "1.0.0", calls: 5, errors: 3, crashes: 2, loadFailures: 0 });
    expect(counters?.latency.reduce((a, b) => a + b, 0)).toBe(5);
    // The timed-out call took at least its 300 ms.
    expect(counters?.latency.slice(latencyBucket(300)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(host.snapshot()[0]?.counters).toEqual([counters]);
  });

  it("counts a version that fails to load, and keeps counting each version apart across a hot swap", async () => {
    const host = newHost();
    const v1 = await writePlugin(root, { pluginId: "p_swap", version: "1.0.0", source: modes });
    await host.load(v1);
    await host.invoke("p_swap", "execute", { mode: "ok" });
    const broken = await writePlugin(root, {
      pluginId: "p_swap",
      version: "2.0.0",
      source: "export default { async init() { throw new Error('no'); }, actions: { async execute() {} } };",
    });
    await expect(host.load(broken)).rejects.toMatchObject({ code: "PLUGIN_LOAD_FAILED" });
    // 1.0.0 keeps serving, and its calls stay its own.
    await host.invoke("p_swap", "execute", { mode: "ok" });
    await host.load(await writePlugin(root, { pluginId: "p_swap", version: "3.0.0", source: modes }));
    await host.invoke("p_swap", "execute", { mode: "fail" }).catch(() => undefined);
    expect(host.counters.of("p_swap").map((c) => [c.version, c.calls, c.errors, c.loadFailures])).toEqual([
      ["1.0.0", 2, 0, 0],
      ["2.0.0", 0, 0, 1],
      ["3.0.0", 1, 1, 0],
    ]);
  });
});
