import type { Manifest } from "@arcade/contracts";
import type { PluginVersionRecord } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { CrashLoopGuard } from "./crash-loop-guard.js";
import type { DesiredPlugin } from "./reconciler.js";
import { capturingLogger } from "./testing/capturing-logger.js";

const WINDOW = 60_000;

function manifest(version: string): Manifest {
  return { name: "p", version, pluginType: "custom", entryPoint: "index.mjs" };
}

function desired(version: string, checksum = `sum-${version}`): DesiredPlugin {
  return {
    pluginId: "p1",
    version,
    checksum,
    objectKey: `plugins/p1/${version}.zip`,
    manifest: manifest(version),
    config: { level: 2 },
    signature: null,
  };
}

function row(version: string): PluginVersionRecord {
  return {
    pluginId: "p1",
    version,
    checksum: `sum-${version}`,
    objectKey: `plugins/p1/${version}.zip`,
    size: 1,
    manifest: manifest(version),
    createdAt: new Date(0),
    signature: "c2ln",
    signatureKeyId: "k1",
  };
}

/** A guard on a clock the test moves, with version rows for 1.0.0 and 2.0.0. */
function setup() {
  let now = 1_000_000;
  const logger = capturingLogger();
  const quarantined: string[] = [];
  const reads: string[] = [];
  const guard = new CrashLoopGuard({
    policy: { maxCrashes: 3, windowMs: WINDOW },
    versions: {
      getVersion: async (_pluginId, version) => {
        reads.push(version);
        return version === "gone" ? null : row(version);
      },
    },
    logger,
    onQuarantine: (pluginId) => quarantined.push(pluginId),
    now: () => now,
  });
  const run = (version: string, loaded = true) =>
    guard.observe([{ pluginId: "p1", version, checksum: `sum-${version}`, loaded }]);
  return {
    guard,
    logger,
    quarantined,
    reads,
    run,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("CrashLoopGuard", () => {
  it("quarantines a version that crashes maxCrashes times within the window, back to the last clean one", async () => {
    const t = setup();
    t.run("1.0.0");
    t.advance(WINDOW); // 1.0.0 ran a whole window without a loop: clean
    t.run("2.0.0");
    t.advance(1_000);
    expect(t.guard.crashed("p1", "2.0.0")).toBe(false);
    t.run("2.0.0", false); // crashed, restarting: the same run
    t.run("2.0.0");
    t.advance(1_000);
    expect(t.guard.crashed("p1", "2.0.0")).toBe(false);
    t.advance(1_000);
    expect(t.guard.crashed("p1", "2.0.0")).toBe(true);
    expect(t.quarantined).toEqual(["p1"]);

    const report = t.guard.quarantineOf("p1");
    expect(report).toMatchObject({ version: "2.0.0", checksum: "sum-2.0.0", fallbackVersion: "1.0.0" });
    expect(report?.crashes.map((c) => Date.parse(c))).toEqual([1_061_000, 1_062_000, 1_063_000]);

    // One structured warn line says what happened.
    const warns = t.logger.records.filter((r) => r.level === "warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]?.fields).toMatchObject({
      event: "plugin.quarantined",
      pluginId: "p1",
      version: "2.0.0",
      fallbackVersion: "1.0.0",
    });

    // The node now runs 1.0.0 (its version row: artifact, manifest, signature) with the stored config.
    const adjusted = await t.guard.adjust([desired("2.0.0")]);
    expect(adjusted).toEqual([
      {
        ...desired("1.0.0"),
        signature: { keyId: "k1", signature: "c2ln" },
      },
    ]);
    // Read once, not on every reconcile.
    await t.guard.adjust([desired("2.0.0")]);
    expect(t.reads).toEqual(["1.0.0"]);
  });

  it("does not count crashes before the version was loaded, nor spread beyond the window", () => {
    const t = setup();
    t.run("1.0.0");
    t.guard.crashed("p1", "1.0.0");
    t.guard.crashed("p1", "1.0.0");
    t.advance(WINDOW);
    t.run("2.0.0");
    t.guard.crashed("p1", "2.0.0");
    t.guard.crashed("p1", "2.0.0");
    t.advance(WINDOW + 1);
    expect(t.guard.crashed("p1", "2.0.0")).toBe(false);
    // A crash of a version that is not the one running here now is not this run's.
    expect(t.guard.crashed("p1", "1.0.0")).toBe(false);
    expect(t.quarantined).toEqual([]);
  });

  it("stops a first install that loops, and reports it as an error with the counters", async () => {
    const t = setup();
    t.run("1.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "1.0.0");
    expect(t.guard.quarantineOf("p1")?.fallbackVersion).toBeNull();
    expect(await t.guard.adjust([desired("1.0.0")])).toEqual([]);
    // The host no longer lists it (the reconciler unloaded it): the node still reports it.
    const states = t.guard.annotate("n1", [], () => []);
    expect(states).toEqual([
      expect.objectContaining({
        nodeId: "n1",
        pluginId: "p1",
        version: "1.0.0",
        state: "error",
        error: expect.stringContaining("no version ran cleanly"),
        counters: [],
        quarantined: expect.objectContaining({ version: "1.0.0", fallbackVersion: null }),
      }),
    ]);
  });

  it("a version that ran less than the window is not clean", () => {
    const t = setup();
    t.run("1.0.0");
    t.advance(WINDOW - 1);
    t.run("2.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    expect(t.guard.quarantineOf("p1")?.fallbackVersion).toBeNull();
  });

  it("keeps the quarantine until the desired version or checksum changes, then counts afresh", async () => {
    const t = setup();
    t.run("1.0.0");
    t.advance(WINDOW);
    t.run("2.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    // The host restarted 2.0.0 before the node moved off it: no new run, no second quarantine.
    t.run("2.0.0");
    expect(t.guard.crashed("p1", "2.0.0")).toBe(false);
    t.run("1.0.0");
    // A config change (same version and checksum) keeps it.
    expect((await t.guard.adjust([{ ...desired("2.0.0"), config: { level: 3 } }]))[0]).toMatchObject({
      version: "1.0.0",
      config: { level: 3 },
    });
    // Another checksum of 2.0.0 is a new change: loaded again, watched again.
    const rebuilt = desired("2.0.0", "sum-2.0.0-b");
    expect(await t.guard.adjust([rebuilt])).toEqual([rebuilt]);
    expect(t.guard.quarantineOf("p1")).toBeNull();
    t.guard.observe([{ pluginId: "p1", version: "2.0.0", checksum: "sum-2.0.0-b", loaded: true }]);
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    expect(t.guard.quarantineOf("p1")).toMatchObject({ checksum: "sum-2.0.0-b", fallbackVersion: "1.0.0" });
  });

  it("annotates the plugin's state on its fallback, and lifts the quarantine when the plugin is disabled", async () => {
    const t = setup();
    t.run("1.0.0");
    t.advance(WINDOW);
    t.run("2.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    await t.guard.adjust([desired("2.0.0")]);
    t.run("1.0.0");
    const loaded = {
      nodeId: "n1",
      pluginId: "p1",
      version: "1.0.0",
      checksum: "sum-1.0.0",
      state: "loaded" as const,
    };
    const [state] = t.guard.annotate("n1", [loaded], () => []);
    expect(state).toEqual({ ...loaded, quarantined: t.guard.quarantineOf("p1") });
    expect(await t.guard.adjust([])).toEqual([]);
    expect(t.guard.quarantineOf("p1")).toBeNull();
  });

  it("stops the plugin when the fallback loops too, instead of going back and forth", async () => {
    const t = setup();
    t.run("1.0.0");
    t.advance(WINDOW);
    t.run("2.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    expect(await t.guard.adjust([desired("2.0.0")])).toEqual([expect.objectContaining({ version: "1.0.0" })]);
    t.run("1.0.0");
    t.advance(1_000);
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "1.0.0");
    expect(t.quarantined).toEqual(["p1", "p1"]);
    // Still the quarantine of what the desired state names, now without a fallback.
    expect(t.guard.quarantineOf("p1")).toMatchObject({ version: "2.0.0", fallbackVersion: null });
    expect(await t.guard.adjust([desired("2.0.0")])).toEqual([]);
    expect(t.logger.records.filter((r) => r.fields.event === "plugin.quarantined")).toHaveLength(2);
  });

  it("stops the plugin when the fallback's version row is gone", async () => {
    const t = setup();
    t.guard.observe([{ pluginId: "p1", version: "gone", checksum: "x", loaded: true }]);
    t.advance(WINDOW);
    t.run("2.0.0");
    for (let i = 0; i < 3; i++) t.guard.crashed("p1", "2.0.0");
    expect(t.guard.quarantineOf("p1")?.fallbackVersion).toBe("gone");
    expect(await t.guard.adjust([desired("2.0.0")])).toEqual([]);
    expect(t.guard.quarantineOf("p1")?.fallbackVersion).toBeNull();
  });
});
