import type { ArtifactRef } from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./plugin-host.js";
import {
  type ArtifactProvider,
  type DesiredAlongside,
  type DesiredPlugin,
  type DesiredStateSource,
  Reconciler,
} from "./reconciler.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { pluginWorkspace, waitFor, writePlugin } from "./testing/plugin-fixtures.js";

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterAll(async () => {
  await removeRoot();
});

/** The desired state a test sets directly (what desiredPluginsReader would read for this node). */
class SetState implements DesiredStateSource {
  rev = 0;
  plugins: DesiredPlugin[] = [];
  async revision(): Promise<number> {
    return this.rev;
  }
  async desired(): Promise<DesiredPlugin[]> {
    return structuredClone(this.plugins);
  }
  set(plugins: DesiredPlugin[]): void {
    this.plugins = plugins;
    this.rev += 1;
  }
}

/** Artifacts by checksum; records every fetch and every eviction. */
class Artifacts implements ArtifactProvider {
  readonly dirs = new Map<string, string>();
  readonly fetched: string[] = [];
  readonly kept: string[][] = [];
  async ensure(ref: ArtifactRef): Promise<{ dir: string }> {
    this.fetched.push(ref.version);
    const dir = this.dirs.get(ref.sha256);
    if (!dir) throw new Error(`object ${ref.objectKey} not found`);
    return { dir };
  }
  async evict(_pluginId: string, keep: readonly string[] = []): Promise<void> {
    this.kept.push([...keep]);
  }
}

const hosts: { host: PluginHost; reconciler: Reconciler }[] = [];
afterEach(async () => {
  for (const { host, reconciler } of hosts.splice(0)) {
    await reconciler.stop();
    await host.stopAll();
  }
});

function fixture(admit?: (plugin: DesiredPlugin) => void) {
  const state = new SetState();
  const artifacts = new Artifacts();
  const host = new PluginHost({
    nodeId: "n1",
    logger: capturingLogger(),
    drainTimeoutMs: 2_000,
    pluginDataDir: dataRoot,
  });
  const reconciler = new Reconciler({
    host,
    state,
    artifacts,
    logger: capturingLogger(),
    intervalMs: 60_000,
    ...(admit ? { admit } : {}),
  });
  hosts.push({ host, reconciler });
  return { state, artifacts, host, reconciler };
}

const SOURCE = `export default {
  async init() { globalThis.inits = (globalThis.inits ?? 0) + 1; },
  actions: { execute(params, ctx) { return { version: ctx.version, pid: process.pid, inits: globalThis.inits }; } },
};
`;

/** Two versions of one plugin, written as folders the artifacts answer for. */
async function twoVersions(f: ReturnType<typeof fixture>, pluginId: string) {
  const make = async (version: string, digit: string): Promise<DesiredPlugin> => {
    const checksum = digit.repeat(64);
    const spec = await writePlugin(root, { pluginId, version, checksum, source: SOURCE });
    f.artifacts.dirs.set(checksum, spec.dir);
    return {
      pluginId,
      version,
      checksum,
      objectKey: `plugins/${pluginId}/${version}.zip`,
      manifest: spec.manifest,
      config: null,
      signature: null,
    };
  };
  return { one: await make("1.0.0", "a"), two: await make("2.0.0", "b") };
}

function alongside(v: DesiredPlugin, share: number): DesiredAlongside {
  return {
    version: v.version,
    checksum: v.checksum,
    objectKey: v.objectKey,
    manifest: v.manifest,
    signature: null,
    share,
    salt: "job-1",
    callerKeyHeader: null,
  };
}

describe("Reconciler with rollout placements", () => {
  it("prepares the new version alongside, then promotes it without a reload when the plugin switches to it", async () => {
    const f = fixture();
    const { one, two } = await twoVersions(f, "p_two_phase");
    f.state.set([one]);
    await f.reconciler.start();

    f.state.set([{ ...one, alongside: alongside(two, 0) }]);
    const prepared = await f.reconciler.reconcileAll("prepare");
    expect(prepared.loaded).toEqual(["p_two_phase@2.0.0"]);
    const pid = f.host.alongsideOf("p_two_phase")?.sandbox?.pid;
    expect(f.host.snapshot()[0]?.serving).toEqual({ "1.0.0": 100, "2.0.0": 0 });
    // Both artifacts stay cached while both versions run.
    expect(f.artifacts.kept.at(-1)).toEqual(["1.0.0", "2.0.0"]);

    // freeze: calls wait; switch: the plugin's version is the new one, no alongside, no hold.
    f.state.set([{ ...one, alongside: alongside(two, 0), hold: true }]);
    await f.reconciler.reconcileAll("freeze");
    expect(f.host.snapshot()[0]).toMatchObject({ holding: true });
    const held = f.host.invoke("p_two_phase", "execute", {});
    await waitFor(() => f.host.holdOf("p_two_phase").waiting === 1, "a held call");

    f.state.set([two]);
    const switched = await f.reconciler.reconcileAll("switch");
    expect(switched.loaded).toEqual(["p_two_phase"]);
    expect((await held).result).toEqual({ version: "2.0.0", pid, inits: 1 });
    expect(f.host.get("p_two_phase")?.sandbox?.pid).toBe(pid);
    expect(f.artifacts.fetched).toEqual(["1.0.0", "2.0.0"]);
    expect(f.host.snapshot()[0]).not.toHaveProperty("holding");
    expect(f.host.snapshot()[0]).not.toHaveProperty("serving");
    expect(f.artifacts.kept.at(-1)).toEqual(["2.0.0"]);
  });

  it("an A/B split re-routes without a reload, and an abort (the alongside gone, the plugin unchanged) unloads it", async () => {
    const f = fixture();
    const { one, two } = await twoVersions(f, "p_ab");
    f.state.set([{ ...one, alongside: alongside(two, 10) }]);
    await f.reconciler.start();
    const pid = f.host.alongsideOf("p_ab")?.sandbox?.pid;
    expect(f.host.snapshot()[0]?.serving).toEqual({ "1.0.0": 90, "2.0.0": 10 });

    f.state.set([{ ...one, alongside: alongside(two, 40) }]);
    const rerouted = await f.reconciler.reconcileAll("more");
    expect(rerouted.loaded).toEqual([]);
    expect(f.host.alongsideOf("p_ab")).toMatchObject({ route: { share: 40 } });
    expect(f.host.alongsideOf("p_ab")?.sandbox?.pid).toBe(pid);
    expect(f.host.snapshot()[0]?.serving).toEqual({ "1.0.0": 60, "2.0.0": 40 });

    f.state.set([one]);
    const aborted = await f.reconciler.reconcileAll("abort");
    expect(aborted.unloaded).toEqual(["p_ab@2.0.0"]);
    expect(f.host.alongsideOf("p_ab")).toBeUndefined();
    expect((await f.host.invoke("p_ab", "execute", {})).version).toBe("1.0.0");
    expect(f.artifacts.kept.at(-1)).toEqual(["1.0.0"]);
  });

  it("a canary node runs the new version instead (a hot swap), and goes back on abort", async () => {
    const f = fixture();
    const { one, two } = await twoVersions(f, "p_canary");
    f.state.set([one]);
    await f.reconciler.start();
    const rollout = ["1.0.0", "2.0.0"];
    f.state.set([{ ...two, keepCached: rollout }]);
    await f.reconciler.reconcileAll("canary");
    expect((await f.host.invoke("p_canary", "execute", {})).version).toBe("2.0.0");
    // The old version stays cached while the rollout runs: going back needs no download.
    expect(f.artifacts.kept.at(-1)).toEqual(["2.0.0", "1.0.0"]);
    f.state.set([one]);
    await f.reconciler.reconcileAll("abort");
    expect((await f.host.invoke("p_canary", "execute", {})).version).toBe("1.0.0");
    expect(f.artifacts.kept.at(-1)).toEqual(["1.0.0"]);
  });

  it("the signature gate is asked for the alongside version too; a refusal is reported and the plugin keeps serving", async () => {
    const asked: string[] = [];
    const f = fixture((plugin) => {
      asked.push(`${plugin.pluginId}@${plugin.version}`);
      if (plugin.version === "2.0.0") {
        throw Object.assign(new Error("signed by a revoked key"), { code: "SIGNATURE_INVALID" });
      }
    });
    const { one, two } = await twoVersions(f, "p_gate");
    f.state.set([{ ...one, alongside: alongside(two, 50) }]);
    const report = await f.reconciler.start();
    expect(asked).toEqual(["p_gate@1.0.0", "p_gate@2.0.0"]);
    expect(report.failed).toEqual([
      {
        pluginId: "p_gate",
        error: "alongside 2.0.0: refused on this node: SIGNATURE_INVALID: signed by a revoked key",
      },
    ]);
    expect(f.artifacts.fetched).toEqual(["1.0.0"]);
    expect(f.host.snapshot()[0]).toMatchObject({ version: "1.0.0", state: "loaded" });
    expect(f.host.snapshot()[0]?.error).toMatch(/^alongside 2\.0\.0: refused/);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => f.host.invoke("p_gate", "execute", {})),
    );
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(["1.0.0"]));
  });

  it("a dependent is ordered after the version its dependency serves on this node", async () => {
    const f = fixture();
    const { one, two } = await twoVersions(f, "p_base");
    const dependentSpec = await writePlugin(root, {
      pluginId: "p_dependent",
      checksum: "c".repeat(64),
      manifest: { dependencies: [{ name: "p_base", version: "^2.0.0" }] },
      source: SOURCE,
    });
    f.artifacts.dirs.set(dependentSpec.checksum, dependentSpec.dir);
    const dependent: DesiredPlugin = {
      pluginId: "p_dependent",
      version: "1.0.0",
      checksum: dependentSpec.checksum,
      objectKey: "plugins/p_dependent/1.0.0.zip",
      manifest: dependentSpec.manifest,
      config: null,
    };
    // Serving 1.0.0 (2.0.0 only alongside): the dependent's range is not met.
    f.state.set([{ ...one, alongside: alongside(two, 50) }, dependent]);
    const first = await f.reconciler.start();
    expect(first.failed.map((x) => x.pluginId)).toEqual(["p_dependent"]);
    // The canary serves 2.0.0: the dependent loads.
    f.state.set([two, dependent]);
    const second = await f.reconciler.reconcileAll("canary");
    expect(second.failed).toEqual([]);
    expect(f.host.get("p_dependent")?.state).toBe("loaded");
  });
});
