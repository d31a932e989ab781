import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PluginChangedEvent } from "@arcade/contracts";
import type { ArtifactRef } from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./plugin-host.js";
import {
  type ArtifactProvider,
  type DesiredPlugin,
  type DesiredStateSource,
  type NodeRuntimeState,
  Reconciler,
} from "./reconciler.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { pluginWorkspace, writePlugin } from "./testing/plugin-fixtures.js";

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterAll(async () => {
  await removeRoot();
});

/** In-memory stand-in for the database side of the desired-state port. */
class MemoryDesiredState implements DesiredStateSource {
  rev = 0;
  readonly plugins = new Map<string, DesiredPlugin & { enabled: boolean }>();
  /** Runs between reading the revision and reading the plugins (a commit racing the reconcile). */
  duringRead: (() => void) | null = null;

  async revision(): Promise<number> {
    return this.rev;
  }

  async desired(): Promise<DesiredPlugin[]> {
    this.duringRead?.();
    this.duringRead = null;
    return [...this.plugins.values()]
      .filter((p) => p.enabled)
      .map(({ enabled: _e, ...rest }) => structuredClone(rest));
  }

  /** Commits a change: bumps the revision and returns the event a publisher would send. */
  commit(
    pluginId: string,
    op: PluginChangedEvent["op"],
    change: (p?: DesiredPlugin & { enabled: boolean }) => void,
  ) {
    change(this.plugins.get(pluginId));
    this.rev += 1;
    const p = this.plugins.get(pluginId);
    return {
      revision: this.rev,
      pluginId,
      op,
      version: p?.version ?? null,
      checksum: p?.checksum ?? null,
      jobId: null,
    };
  }
}

/** Artifacts "in the object store": folders written by the test, looked up by checksum. */
class FolderArtifacts implements ArtifactProvider {
  readonly dirs = new Map<string, string>();
  readonly calls: ArtifactRef[] = [];
  failing = new Set<string>();

  async ensure(ref: ArtifactRef): Promise<{ dir: string }> {
    this.calls.push(ref);
    const dir = this.dirs.get(ref.sha256);
    if (!dir || this.failing.has(ref.sha256)) throw new Error(`object ${ref.objectKey} not found`);
    return { dir };
  }
}

interface Fixture {
  state: MemoryDesiredState;
  artifacts: FolderArtifacts;
  host: PluginHost;
  reconciler: Reconciler;
  changes: NodeRuntimeState[];
}

const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) {
    await f.reconciler.stop();
    await f.host.stopAll();
  }
});

function fixture(admit?: (plugin: DesiredPlugin) => void): Fixture {
  const state = new MemoryDesiredState();
  const artifacts = new FolderArtifacts();
  const host = new PluginHost({
    nodeId: "n1",
    logger: capturingLogger(),
    drainTimeoutMs: 1_000,
    pluginDataDir: dataRoot,
  });
  const changes: NodeRuntimeState[] = [];
  const reconciler = new Reconciler({
    host,
    state,
    artifacts,
    logger: capturingLogger(),
    intervalMs: 60_000,
    onChange: (s) => changes.push(s),
    ...(admit ? { admit } : {}),
  });
  const f = { state, artifacts, host, reconciler, changes };
  fixtures.push(f);
  return f;
}

let checksumSeq = 0;

/** Writes a plugin folder that answers `{ name, version, answer }` and registers it as desired. */
async function addPlugin(
  f: Fixture,
  options: {
    pluginId: string;
    name?: string;
    version?: string;
    answer?: string;
    deps?: DesiredPlugin["manifest"]["dependencies"];
  },
): Promise<DesiredPlugin & { enabled: boolean }> {
  const checksum = (++checksumSeq).toString(16).padStart(64, "0");
  const spec = await writePlugin(root, {
    pluginId: options.pluginId,
    version: options.version ?? "1.0.0",
    checksum,
    manifest: { name: options.name ?? options.pluginId, dependencies: options.deps ?? [] },
    source: `export default { actions: { execute(params, ctx) {
      return { version: ctx.version, answer: ${JSON.stringify(options.answer ?? "a")}, config: ctx.config };
    } } };`,
  });
  f.artifacts.dirs.set(checksum, spec.dir);
  const desired = {
    pluginId: spec.pluginId,
    version: spec.version,
    checksum,
    objectKey: `plugins/${spec.pluginId}/${spec.version}/${spec.pluginId}_${spec.version}.zip`,
    manifest: spec.manifest,
    config: null,
    enabled: true,
  };
  return desired;
}

async function answerOf(host: PluginHost, pluginId: string) {
  return (await host.invoke(pluginId, "execute", {})).result as {
    version: string;
    answer: string;
    config: unknown;
  };
}

describe("Reconciler", () => {
  it("loads dependencies before their dependents and blocks only what cannot load", async () => {
    const f = fixture();
    const order: string[] = [];
    f.host.on("change", () => {
      for (const row of f.host.snapshot()) {
        if (row.state === "loaded" && !order.includes(row.pluginId)) order.push(row.pluginId);
      }
    });
    const plugins = [
      await addPlugin(f, { pluginId: "p_app", name: "app", deps: [{ name: "db", version: "^1.0.0" }] }),
      await addPlugin(f, {
        pluginId: "p_db",
        name: "db",
        version: "1.4.0",
        deps: [{ name: "base", version: "*" }],
      }),
      await addPlugin(f, { pluginId: "p_base", name: "base" }),
      await addPlugin(f, {
        pluginId: "p_orphan",
        name: "orphan",
        deps: [{ name: "absent", version: "1.x" }],
      }),
      await addPlugin(f, { pluginId: "p_old", name: "old", deps: [{ name: "db", version: "^2.0.0" }] }),
      await addPlugin(f, { pluginId: "p_x", name: "x", deps: [{ name: "y", version: "*" }] }),
      await addPlugin(f, { pluginId: "p_y", name: "y", deps: [{ name: "x", version: "*" }] }),
    ];
    for (const p of plugins) f.state.plugins.set(p.pluginId, p);
    f.state.rev = 4;

    const report = await f.reconciler.start();
    expect(order).toEqual(["p_base", "p_db", "p_app"]);
    expect(report.loaded).toEqual(["p_base", "p_db", "p_app"]);
    expect(f.reconciler.appliedRevision).toBe(4);
    const errors = Object.fromEntries(
      f.host.list().map((r) => [r.pluginId, r.state === "error" ? r.error : "ok"]),
    );
    expect(errors.p_orphan).toContain('dependency "absent"');
    expect(errors.p_old).toContain("^2.0.0");
    expect(errors.p_x).toContain("dependency cycle");
    expect(errors.p_y).toContain("dependency cycle");
    expect((await answerOf(f.host, "p_app")).answer).toBe("a");
    expect(f.changes.at(-1)?.appliedRevision).toBe(4);
  });

  it("unloads a plugin that is disabled and reloads one whose checksum changed", async () => {
    const f = fixture();
    const a = await addPlugin(f, { pluginId: "p_a" });
    const b = await addPlugin(f, { pluginId: "p_b", answer: "old build" });
    f.state.plugins.set(a.pluginId, a);
    f.state.plugins.set(b.pluginId, b);
    await f.reconciler.start();
    const threadOfA = f.host.get("p_a")?.sandbox;

    const disable = f.state.commit("p_a", "disable", (p) => {
      if (p) p.enabled = false;
    });
    const r1 = await f.reconciler.applyEvent(disable);
    expect(r1.unloaded).toEqual(["p_a"]);
    expect(f.host.get("p_a")).toBeUndefined();
    expect(threadOfA?.state).toBe("stopped");

    // Same version, rebuilt artifact: the checksum alone must trigger a reload.
    const rebuilt = await addPlugin(f, { pluginId: "p_b", answer: "new build" });
    const update = f.state.commit("p_b", "update", () => f.state.plugins.set("p_b", rebuilt));
    const r2 = await f.reconciler.applyEvent(update);
    expect(r2.loaded).toEqual(["p_b"]);
    expect(await answerOf(f.host, "p_b")).toMatchObject({ version: "1.0.0", answer: "new build" });
    expect(f.host.get("p_b")?.checksum).toBe(rebuilt.checksum);
    expect(f.reconciler.appliedRevision).toBe(update.revision);

    // Nothing changed: a full reconcile touches nothing.
    const r3 = await f.reconciler.reconcileAll("timer");
    expect([...r3.loaded, ...r3.unloaded, ...r3.failed]).toEqual([]);
  });

  it("reloads a plugin whose config changed, with the new config", async () => {
    const f = fixture();
    const p = await addPlugin(f, { pluginId: "p_cfg" });
    f.state.plugins.set(p.pluginId, p);
    await f.reconciler.start();
    const event = f.state.commit("p_cfg", "configure", (x) => {
      if (x) x.config = { channel: "#ops" };
    });
    await f.reconciler.applyEvent(event);
    expect((await answerOf(f.host, "p_cfg")).config).toEqual({ channel: "#ops" });
  });

  it("applies only the named plugin for the next revision, everything after a gap", async () => {
    const f = fixture();
    const a = await addPlugin(f, { pluginId: "p_one", answer: "one-v1" });
    const b = await addPlugin(f, { pluginId: "p_two", answer: "two-v1" });
    f.state.plugins.set(a.pluginId, a);
    f.state.plugins.set(b.pluginId, b);
    f.state.rev = 10;
    await f.reconciler.start();

    // Revision 11 changes p_one, revision 12 changes p_two; only 11's event arrives.
    const a2 = await addPlugin(f, { pluginId: "p_one", version: "1.1.0", answer: "one-v2" });
    const b2 = await addPlugin(f, { pluginId: "p_two", version: "1.1.0", answer: "two-v2" });
    const e11 = f.state.commit("p_one", "update", () => f.state.plugins.set("p_one", a2));
    f.state.commit("p_two", "update", () => f.state.plugins.set("p_two", b2));
    const r11 = await f.reconciler.applyEvent(e11);
    expect(r11.loaded).toEqual(["p_one"]);
    expect((await answerOf(f.host, "p_two")).answer).toBe("two-v1");
    expect(f.reconciler.appliedRevision).toBe(11);

    // Revision 12's event was lost; 13's arrives: the gap forces a full reconcile.
    const a3 = await addPlugin(f, { pluginId: "p_one", version: "1.2.0", answer: "one-v3" });
    const e13 = f.state.commit("p_one", "update", () => f.state.plugins.set("p_one", a3));
    const r13 = await f.reconciler.applyEvent(e13);
    expect(r13.scope).toBe("all");
    expect(r13.reason).toContain("gap");
    expect((await answerOf(f.host, "p_one")).answer).toBe("one-v3");
    expect((await answerOf(f.host, "p_two")).answer).toBe("two-v2");
    expect(f.reconciler.appliedRevision).toBe(13);

    // An event the node has already covered changes nothing.
    const stale = await f.reconciler.applyEvent({ ...e11 });
    expect(stale.loaded).toEqual([]);
    expect(f.reconciler.appliedRevision).toBe(13);
  });

  it("records the revision read before the desired state, so a racing commit is not skipped", async () => {
    const f = fixture();
    const p = await addPlugin(f, { pluginId: "p_race" });
    f.state.plugins.set(p.pluginId, p);
    f.state.rev = 3;
    f.state.duringRead = () => {
      f.state.rev = 4;
    };
    await f.reconciler.start();
    expect(f.reconciler.appliedRevision).toBe(3);
    // The event for revision 4 is then applied, not dropped as stale.
    const again = await f.reconciler.applyEvent({
      revision: 4,
      pluginId: "p_race",
      op: "configure",
      version: "1.0.0",
      checksum: p.checksum,
      jobId: null,
    });
    expect(again.scope).toBe("p_race");
    expect(f.reconciler.appliedRevision).toBe(4);
  });

  it("reports an unavailable artifact and retries it on the next reconcile", async () => {
    const f = fixture();
    const p = await addPlugin(f, { pluginId: "p_fetch" });
    f.state.plugins.set(p.pluginId, p);
    f.artifacts.failing.add(p.checksum);
    const first = await f.reconciler.start();
    expect(first.failed[0]?.error).toContain("not found");
    expect(f.host.get("p_fetch")).toMatchObject({ state: "error", errorKind: "artifact" });
    f.artifacts.failing.clear();
    const second = await f.reconciler.onReconnect();
    expect(second.loaded).toEqual(["p_fetch"]);
    expect(f.host.get("p_fetch")?.state).toBe("loaded");
  });

  it("asks `admit` before every load: a refusal fetches nothing, is the plugin's error, and is asked again", async () => {
    const refused = new Set<string>();
    const asked: string[] = [];
    const f = fixture((plugin) => {
      asked.push(`${plugin.pluginId}@${plugin.version}`);
      if (refused.has(plugin.version)) {
        throw Object.assign(new Error(`key k1 is revoked (${plugin.signature?.keyId})`), {
          code: "KEY_REVOKED",
        });
      }
    });
    const v1 = await addPlugin(f, { pluginId: "p_gate", version: "1.0.0", answer: "one" });
    f.state.plugins.set(v1.pluginId, { ...v1, signature: { keyId: "k1", signature: "sig" } });
    refused.add("1.0.0");
    const first = await f.reconciler.start();
    expect(first.failed[0]?.error).toBe("refused on this node: KEY_REVOKED: key k1 is revoked (k1)");
    expect(f.artifacts.calls).toEqual([]);
    expect(f.host.get("p_gate")).toMatchObject({ state: "error", errorKind: "artifact" });
    expect(f.host.snapshot()[0]?.error).toMatch(/KEY_REVOKED/);

    // Asked again on the next reconcile: once admitted, it loads.
    refused.clear();
    expect((await f.reconciler.onReconnect()).loaded).toEqual(["p_gate"]);
    expect(asked).toEqual(["p_gate@1.0.0", "p_gate@1.0.0"]);

    // A refused swap (a rollback to a version whose key is revoked) leaves the running version serving.
    const v2 = await addPlugin(f, { pluginId: "p_gate", version: "2.0.0", answer: "two" });
    refused.add("2.0.0");
    const event = f.state.commit("p_gate", "rollback", () => f.state.plugins.set("p_gate", v2));
    const swap = await f.reconciler.applyEvent(event);
    expect(swap.failed[0]).toMatchObject({
      pluginId: "p_gate",
      error: expect.stringMatching(/^refused on this node: KEY_REVOKED/),
    });
    expect((await answerOf(f.host, "p_gate")).answer).toBe("one");
    expect(f.host.snapshot()[0]?.error).toMatch(/KEY_REVOKED/);
  });

  it("does not retry a version that failed to load until something changes", async () => {
    const f = fixture();
    const p = await addPlugin(f, { pluginId: "p_broken", name: "broken" });
    // Overwrite the entry with a module that throws in init.
    const dir = f.artifacts.dirs.get(p.checksum)!;
    await writeFile(
      join(dir, "index.mjs"),
      "export default { init() { throw new Error('bad init'); }, actions: { execute() {} } };",
    );
    f.state.plugins.set(p.pluginId, p);
    const first = await f.reconciler.start();
    expect(first.failed[0]?.error).toContain("bad init");
    const callsAfterFirst = f.artifacts.calls.length;
    const second = await f.reconciler.reconcileAll("timer");
    expect(second.failed).toEqual([]);
    expect(f.artifacts.calls.length).toBe(callsAfterFirst);
    expect(f.host.get("p_broken")).toMatchObject({ state: "error", errorKind: "load" });
  });
});

describe("Reconciler: an event is a hint, the database says the revision", () => {
  it("a forged event for the next revision, with nothing committed, advances nothing and loads nothing", async () => {
    const f = fixture();
    const p = await addPlugin(f, { pluginId: "p_real", answer: "real-v1" });
    f.state.plugins.set(p.pluginId, p);
    f.state.rev = 5;
    await f.reconciler.start();
    // Someone who can publish on the channel claims revision 6 changed p_real: the database is still at 5.
    const forged: PluginChangedEvent = {
      revision: 6,
      pluginId: "p_real",
      op: "uninstall",
      version: null,
      checksum: null,
      jobId: null,
    };
    const report = await f.reconciler.applyEvent(forged);
    expect(report.unloaded).toEqual([]);
    expect(report.reason).toContain("ahead of database revision 5");
    expect(f.reconciler.appliedRevision).toBe(5);
    expect((await answerOf(f.host, "p_real")).answer).toBe("real-v1");

    // The real change for revision 6 then arrives and is applied, not dropped as stale.
    const p2 = await addPlugin(f, { pluginId: "p_real", version: "1.1.0", answer: "real-v2" });
    const real = f.state.commit("p_real", "update", () => f.state.plugins.set("p_real", p2));
    await f.reconciler.applyEvent(real);
    expect(f.reconciler.appliedRevision).toBe(6);
    expect((await answerOf(f.host, "p_real")).answer).toBe("real-v2");
  });

  it("an event from far ahead advances only to the revision the database has", async () => {
    const f = fixture();
    f.state.rev = 3;
    await f.reconciler.start();
    const p = await addPlugin(f, { pluginId: "p_new" });
    f.state.commit("p_new", "install", () => f.state.plugins.set(p.pluginId, p));
    const report = await f.reconciler.applyEvent({
      revision: 1_000_000,
      pluginId: "p_new",
      op: "install",
      version: null,
      checksum: null,
      jobId: null,
    });
    expect(report.loaded).toEqual(["p_new"]);
    expect(f.reconciler.appliedRevision).toBe(4);
  });
});
