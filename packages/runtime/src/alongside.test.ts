import { assignVersion, splitBuckets } from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PluginHost, type PluginHostOptions } from "./plugin-host.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { pluginWorkspace, waitFor, writePlugin } from "./testing/plugin-fixtures.js";
import type { AlongsideRoute } from "./version-route.js";

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

function newHost(options: Partial<PluginHostOptions> = {}) {
  const logger = capturingLogger();
  const host = new PluginHost({
    nodeId: "node-ab",
    logger,
    loadTimeoutMs: 5_000,
    drainTimeoutMs: 5_000,
    cleanupTimeoutMs: 1_000,
    pluginDataDir: dataRoot,
    ...options,
  });
  hosts.push(host);
  return { host, logger };
}

/**
 * A plugin that answers its version, its process and how many times its init ran; `workMs`
 * makes a call last that long. An init that throws when `initThrows` is set.
 */
function versionSource(options: { initThrows?: boolean } = {}): string {
  return `export default {
  async init(ctx) {
    ${options.initThrows ? "throw new Error('init refuses');" : ""}
    globalThis.inits = (globalThis.inits ?? 0) + 1;
  },
  actions: {
    async execute(params, ctx) {
      if (params?.workMs) await new Promise((r) => setTimeout(r, params.workMs));
      return { version: ctx.version, pid: process.pid, inits: globalThis.inits };
    },
  },
  async cleanup() {},
};
`;
}

async function versions(pluginId: string, options: { initThrows?: boolean } = {}) {
  const one = await writePlugin(root, {
    pluginId,
    version: "1.0.0",
    checksum: "1".repeat(64),
    source: versionSource(),
  });
  const two = await writePlugin(root, {
    pluginId,
    version: "2.0.0",
    checksum: "2".repeat(64),
    source: versionSource(options),
  });
  return { one, two };
}

const route = (share: number, callerKeyHeader: string | null = null): AlongsideRoute => ({
  share,
  salt: "job-ab",
  callerKeyHeader,
});

interface Answer {
  version: string;
  pid: number;
  inits: number;
}

async function call(host: PluginHost, pluginId: string, options: Parameters<PluginHost["invoke"]>[3] = {}) {
  const out = await host.invoke(pluginId, "execute", {}, options);
  const answer = out.result as Answer;
  // The host's answer names the version whose process served the call.
  expect(out.version).toBe(answer.version);
  return answer;
}

/** The most a binomial count may stray from n*p in a test that must never flake: 4.5 sigma. */
function binomialBound(n: number, p: number): { low: number; high: number } {
  const sigma = Math.sqrt(n * p * (1 - p));
  return { low: n * p - 4.5 * sigma, high: n * p + 4.5 * sigma };
}

describe("PluginHost: a second version alongside", () => {
  it("runs each version in its own process and serves the share of calls within binomial bounds", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_split");
    await host.load(one);
    await host.loadAlongside(two, route(25));

    const n = 2000;
    const seen = new Map<string, Set<number>>();
    let onTwo = 0;
    for (let batch = 0; batch < n / 50; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => call(host, "p_split")));
      for (const a of answers) {
        if (a.version === "2.0.0") onTwo += 1;
        seen.set(a.version, (seen.get(a.version) ?? new Set()).add(a.pid));
      }
    }
    const { low, high } = binomialBound(n, 0.25);
    expect(onTwo).toBeGreaterThanOrEqual(low);
    expect(onTwo).toBeLessThanOrEqual(high);
    // One process per version, and not the same one.
    expect(seen.get("1.0.0")?.size).toBe(1);
    expect(seen.get("2.0.0")?.size).toBe(1);
    expect([...(seen.get("1.0.0") ?? [])][0]).not.toBe([...(seen.get("2.0.0") ?? [])][0]);
    expect(host.snapshot()).toEqual([
      expect.objectContaining({
        pluginId: "p_split",
        version: "1.0.0",
        state: "loaded",
        serving: { "1.0.0": 75, "2.0.0": 25 },
      }),
    ]);
    // The per-version counters count each call for the version that served it.
    const counted = Object.fromEntries(host.counters.of("p_split").map((c) => [c.version, c.calls]));
    expect(counted).toEqual({ "1.0.0": n - onTwo, "2.0.0": onTwo });
  });

  it("keeps a caller on one version by the caller-key header: the version core's assignVersion gives", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_sticky");
    await host.load(one);
    await host.loadAlongside(two, route(50, "X-Caller"));
    const buckets = splitBuckets({ "2.0.0": 50 }, "1.0.0");
    const byCaller = new Map<string, Set<string>>();
    for (let i = 0; i < 40; i++) {
      const caller = `caller-${i}`;
      for (let k = 0; k < 5; k++) {
        const headers: Record<string, string> = { "X-Caller": caller };
        const answer = await call(host, "p_sticky", { header: (name) => headers[name] });
        byCaller.set(caller, (byCaller.get(caller) ?? new Set()).add(answer.version));
      }
      expect([...(byCaller.get(caller) ?? [])]).toEqual([
        assignVersion(buckets, { callerKey: caller, salt: "job-ab" }),
      ]);
    }
    // 40 callers at 50%: both versions get some (all on one side: 2 * 0.5^40).
    const sides = new Set([...byCaller.values()].flatMap((s) => [...s]));
    expect(sides).toEqual(new Set(["1.0.0", "2.0.0"]));
    // A key given outright wins over the header.
    const direct = await call(host, "p_sticky", { callerKey: "caller-0", header: () => "caller-1" });
    expect(direct.version).toBe(assignVersion(buckets, { callerKey: "caller-0", salt: "job-ab" }));
  });

  it("share 0: the second version is loaded and initialised, and never serves a call", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_prepared");
    await host.load(one);
    const prepared = await host.loadAlongside(two, route(0, "X-Caller"));
    expect(prepared).toMatchObject({ version: "2.0.0", state: "loaded", actions: ["execute"] });
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call(host, "p_prepared", { callerKey: `k${i}` })),
    );
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(["1.0.0"]));
    expect(host.snapshot()[0]?.serving).toEqual({ "1.0.0": 100, "2.0.0": 0 });
  });

  it("promote switches to the version already loaded alongside: same process, no second init, the old one stops", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_promote");
    await host.load(one);
    const oldPid = host.get("p_promote")?.sandbox?.pid;
    await host.loadAlongside(two, route(0));
    const preparedPid = host.alongsideOf("p_promote")?.sandbox?.pid;
    expect(preparedPid).toEqual(expect.any(Number));

    expect(host.promotable(two)).toBe(true);
    expect(await host.promote("p_promote")).toBe(true);
    const answer = await call(host, "p_promote");
    expect(answer).toEqual({ version: "2.0.0", pid: preparedPid, inits: 1 });
    expect(host.get("p_promote")).toMatchObject({ version: "2.0.0", state: "loaded" });
    expect(host.alongsideOf("p_promote")).toBeUndefined();
    expect(host.snapshot()[0]).not.toHaveProperty("serving");
    expect(host.isSettled(two)).toBe(true);
    expect(oldPid).not.toBe(preparedPid);
    expect(host.list().map((r) => r.pid)).toEqual([preparedPid]);
  });

  it("unloading the alongside version (abort) leaves the plugin on its own version", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_abort");
    await host.load(one);
    await host.loadAlongside(two, route(50));
    const secondPid = host.alongsideOf("p_abort")?.sandbox?.pid;
    expect(await host.unloadAlongside("p_abort")).toBe(true);
    expect(await host.unloadAlongside("p_abort")).toBe(false);
    expect(host.alongsideOf("p_abort")).toBeUndefined();
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(host, "p_abort")));
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(["1.0.0"]));
    expect(answers.some((a) => a.pid === secondPid)).toBe(false);
    expect(host.snapshot()[0]).not.toHaveProperty("serving");
  });

  it("a second version whose init throws is recorded; the plugin keeps serving its own", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_bad_second", { initThrows: true });
    await host.load(one);
    await expect(host.loadAlongside(two, route(50))).rejects.toMatchObject({ code: "PLUGIN_LOAD_FAILED" });
    expect(host.isAlongsideSettled(two)).toBe(true);
    expect(host.promotable(two)).toBe(false);
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(host, "p_bad_second")));
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(["1.0.0"]));
    const [state] = host.snapshot();
    expect(state).toMatchObject({ version: "1.0.0", state: "loaded" });
    expect(state?.error).toMatch(/^alongside 2\.0\.0: .*init refuses/);
    expect(state).not.toHaveProperty("serving");
    expect(host.counters.of("p_bad_second").find((c) => c.version === "2.0.0")?.loadFailures).toBe(1);
  });
});

describe("PluginHost: holding calls", () => {
  it("queues new calls while held, and serves them once the hold is lifted (after a switch: by the new version)", async () => {
    const { host } = newHost();
    const { one, two } = await versions("p_hold");
    await host.load(one);
    await host.loadAlongside(two, route(0));
    await host.setHold("p_hold", true);
    expect(host.snapshot()[0]).toMatchObject({ holding: true });

    let settled = false;
    const held = Promise.all(Array.from({ length: 3 }, () => call(host, "p_hold"))).finally(() => {
      settled = true;
    });
    await waitFor(() => host.holdOf("p_hold").waiting === 3, "three held calls");
    expect(settled).toBe(false);

    await host.promote("p_hold");
    expect(settled).toBe(false);
    await host.setHold("p_hold", false);
    const answers = await held;
    expect(answers.map((a) => a.version)).toEqual(["2.0.0", "2.0.0", "2.0.0"]);
    expect(host.snapshot()[0]).not.toHaveProperty("holding");
  });

  it("setting a hold waits for the calls already running", async () => {
    const { host } = newHost();
    const { one } = await versions("p_drain");
    await host.load(one);
    let running = true;
    const slow = host.invoke("p_drain", "execute", { workMs: 300 }).finally(() => {
      running = false;
    });
    await host.setHold("p_drain", true);
    expect(running).toBe(false);
    await slow;
    await host.setHold("p_drain", false);
  });

  it("reports holding only once the calls that were running have ended, and says so with a change", async () => {
    const { host } = newHost({ drainTimeoutMs: 50 });
    const { one } = await versions("p_slow_drain");
    await host.load(one);
    const slow = host.invoke("p_slow_drain", "execute", { workMs: 1_500 });
    await host.setHold("p_slow_drain", true);
    // The bound to wait for it passed while the call still runs: held, but not holding yet.
    expect(host.holdOf("p_slow_drain")).toEqual({ held: true, holding: false, waiting: 0 });
    expect(host.snapshot()[0]).not.toHaveProperty("holding");
    let changed = false;
    host.on("change", () => {
      if (host.snapshot()[0]?.holding) changed = true;
    });
    await slow;
    expect(changed).toBe(true);
    expect(host.holdOf("p_slow_drain").holding).toBe(true);
    await host.setHold("p_slow_drain", false);
  });

  it("a hold nobody lifts ends after holdTimeoutMs: the held calls are served by the version the node serves, and the node says so", async () => {
    const { host, logger } = newHost({ holdTimeoutMs: 200 });
    const { one } = await versions("p_hold_expires");
    await host.load(one);
    await host.setHold("p_hold_expires", true);
    const answer = await call(host, "p_hold_expires");
    expect(answer.version).toBe("1.0.0");
    expect(host.holdOf("p_hold_expires").holding).toBe(false);
    expect(host.snapshot()[0]).not.toHaveProperty("holding");
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: expect.stringContaining("hold not lifted within 2 × node.convergence_timeout"),
        fields: expect.objectContaining({ pluginId: "p_hold_expires", heldCalls: 1, servedBy: "1.0.0" }),
      }),
    );
    // The same hold is not set again until it was lifted.
    await host.setHold("p_hold_expires", true);
    expect(host.holdOf("p_hold_expires").holding).toBe(false);
    await host.setHold("p_hold_expires", false);
    await host.setHold("p_hold_expires", true);
    expect(host.holdOf("p_hold_expires").holding).toBe(true);
    await host.setHold("p_hold_expires", false);
  });

  it("unloading a held plugin lets its calls go on, to PLUGIN_NOT_LOADED", async () => {
    const { host } = newHost();
    const { one } = await versions("p_hold_gone");
    await host.load(one);
    await host.setHold("p_hold_gone", true);
    const held = host.invoke("p_hold_gone", "execute", {}).then(
      () => "served",
      (error: unknown) => error,
    );
    await waitFor(() => host.holdOf("p_hold_gone").waiting === 1, "a held call");
    await host.unload("p_hold_gone");
    expect(await held).toMatchObject({ code: "PLUGIN_NOT_LOADED" });
  });
});
