import type {
  CrashLoopPolicy,
  NodeHeartbeat,
  NodePresence,
  PluginRepo,
  PluginVersionRecord,
} from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./plugin-host.js";
import type { PluginSpec } from "./plugin-types.js";
import { RuntimeNode } from "./runtime-node.js";
import { capturingLogger, type LogRecord } from "./testing/capturing-logger.js";
import { customPlugin, pluginWorkspace, waitFor, writePlugin } from "./testing/plugin-fixtures.js";

/**
 * Crash-loop quarantine with real plugin processes: a RuntimeNode over a desired state the test
 * moves (the plugin row's version), versions whose process ends by itself a moment after init.
 */

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
const nodes: RuntimeNode[] = [];

beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});
afterAll(async () => {
  await removeRoot();
});

const POLICY: CrashLoopPolicy = { maxCrashes: 3, windowMs: 2_000 };

const healthy = (version: string) => customPlugin(`return { version: ${JSON.stringify(version)} };`);
/** Loads fine, then its process exits 100 ms after every init. */
const crashing = (version: string) =>
  `export default {
  async init() { setTimeout(() => process.exit(7), 100); },
  actions: { async execute() { return { version: ${JSON.stringify(version)} }; } },
};
`;

const silentPresence: NodePresence = {
  heartbeat: async () => null,
  start: async () => {},
  close: async () => {},
};

/** A plugin row the test moves between versions; each version is a folder and a version row. */
class MovingPlugin {
  readonly specs = new Map<string, PluginSpec>();
  current: string;
  revision = 1;
  constructor(
    readonly pluginId: string,
    first: string,
  ) {
    this.current = first;
  }

  async add(version: string, source: string, checksum = `${version}-sum`.padEnd(64, "0")) {
    this.specs.set(version, await writePlugin(root, { pluginId: this.pluginId, version, source, checksum }));
  }

  moveTo(version: string): void {
    this.current = version;
    this.revision += 1;
  }

  private spec(version: string): PluginSpec {
    const spec = this.specs.get(version);
    if (!spec) throw new Error(`no version ${version}`);
    return spec;
  }

  repo(): PluginRepo {
    const repo: Partial<PluginRepo> = {
      listAll: async () => {
        const spec = this.spec(this.current);
        return [
          {
            pluginId: this.pluginId,
            version: spec.version,
            checksum: spec.checksum,
            manifest: spec.manifest,
            isEnabled: 1,
            updateTime: new Date(this.revision),
          } as never,
        ];
      },
      currentRevision: async () => this.revision,
      getConfig: async () => null,
      getVersion: async (_pluginId, version): Promise<PluginVersionRecord | null> => {
        const spec = this.specs.get(version);
        if (!spec) return null;
        return {
          pluginId: this.pluginId,
          version,
          checksum: spec.checksum,
          objectKey: `plugins/${this.pluginId}/${version}.zip`,
          size: 1,
          manifest: spec.manifest,
          createdAt: new Date(0),
        };
      },
      listPlacements: async () => [],
      getPlacement: async () => null,
    };
    return repo as PluginRepo;
  }
}

async function startNode(plugin: MovingPlugin, records: LogRecord[]) {
  const logger = capturingLogger(records);
  const host = new PluginHost({
    nodeId: "n1",
    logger,
    loadTimeoutMs: 10_000,
    drainTimeoutMs: 1_000,
    cleanupTimeoutMs: 500,
    restartBackoffMs: 20,
    maxRestarts: 10,
    pluginDataDir: dataRoot,
  });
  const node = await RuntimeNode.start({
    nodeId: "n1",
    version: "0.0.0",
    host,
    plugins: plugin.repo(),
    artifacts: {
      ensure: async (ref) => {
        const spec = plugin.specs.get(ref.version);
        if (!spec || spec.checksum !== ref.sha256) throw new Error(`no artifact ${ref.version}`);
        return { dir: spec.dir };
      },
    },
    presence: silentPresence,
    events: () => ({ start: async () => {}, stop: async () => {} }),
    crashLoop: POLICY,
    logger,
  });
  nodes.push(node);
  return node;
}

function pluginState(node: RuntimeNode, pluginId: string): NodeHeartbeat["plugins"][number] | undefined {
  return node.state().plugins.find((p) => p.pluginId === pluginId);
}

describe("crash-loop quarantine (real plugin processes)", () => {
  it("puts a node back on the last clean version when an update keeps crashing, and keeps it there", async () => {
    const plugin = new MovingPlugin("p_loop_update", "1.0.0");
    await plugin.add("1.0.0", healthy("1.0.0"));
    await plugin.add("2.0.0", crashing("2.0.0"));
    const records: LogRecord[] = [];
    const node = await startNode(plugin, records);
    expect((await node.host.invoke(plugin.pluginId, "execute", {})).version).toBe("1.0.0");
    // 1.0.0 must have run a whole window without a loop to count as clean.
    const loadedAt = Date.now();
    await waitFor(() => Date.now() - loadedAt > POLICY.windowMs, "1.0.0 to run a window");

    plugin.moveTo("2.0.0");
    await node.reconciler.reconcileAll("update");
    await waitFor(() => pluginState(node, plugin.pluginId)?.quarantined, "the quarantine", 30_000);
    await waitFor(
      () =>
        node.host.get(plugin.pluginId)?.version === "1.0.0" &&
        node.host.get(plugin.pluginId)?.state === "loaded",
      "1.0.0 back",
      30_000,
    );
    expect((await node.host.invoke(plugin.pluginId, "execute", {})).version).toBe("1.0.0");

    const state = pluginState(node, plugin.pluginId);
    expect(state).toMatchObject({
      version: "1.0.0",
      state: "loaded",
      quarantined: {
        version: "2.0.0",
        checksum: plugin.specs.get("2.0.0")?.checksum,
        fallbackVersion: "1.0.0",
      },
    });
    expect(state?.quarantined?.crashes).toHaveLength(POLICY.maxCrashes);
    const v2 = state?.counters?.find((c) => c.version === "2.0.0");
    expect(v2?.crashes).toBeGreaterThanOrEqual(POLICY.maxCrashes);
    const warns = records.filter((r) => r.fields.event === "plugin.quarantined");
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({
      level: "warn",
      fields: { pluginId: plugin.pluginId, fallbackVersion: "1.0.0" },
    });

    // Later reconciles do not try 2.0.0 again while it is what the plugin row names.
    await node.reconciler.reconcileAll("timer");
    expect(node.host.get(plugin.pluginId)?.version).toBe("1.0.0");

    // Another build of 2.0.0 (another checksum) is a new change: the node loads it again.
    await plugin.add("2.0.0", healthy("2.0.0"), "f".repeat(64));
    plugin.moveTo("2.0.0");
    await node.reconciler.reconcileAll("rebuilt");
    expect((await node.host.invoke(plugin.pluginId, "execute", {})).version).toBe("2.0.0");
    expect(pluginState(node, plugin.pluginId)?.quarantined).toBeUndefined();
  }, 90_000);

  it("stops a first install that keeps crashing, and keeps reporting it", async () => {
    const plugin = new MovingPlugin("p_loop_first", "1.0.0");
    await plugin.add("1.0.0", crashing("1.0.0"));
    const node = await startNode(plugin, []);
    await waitFor(() => pluginState(node, plugin.pluginId)?.quarantined, "the quarantine", 30_000);
    await waitFor(() => node.host.get(plugin.pluginId) === undefined, "the plugin stopped", 30_000);
    expect(pluginState(node, plugin.pluginId)).toMatchObject({
      version: "1.0.0",
      state: "error",
      error: expect.stringContaining("no version ran cleanly"),
      quarantined: { version: "1.0.0", fallbackVersion: null },
    });
    await node.reconciler.reconcileAll("timer");
    expect(node.host.get(plugin.pluginId)).toBeUndefined();
  }, 60_000);
});
