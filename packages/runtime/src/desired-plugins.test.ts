import { PluginStatus, type RolloutPlacement } from "@arcade/contracts";
import type { PluginRecord, PluginRepo, PluginVersionRecord } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { desiredPluginsReader } from "./desired-plugins.js";

const at = new Date("2026-01-01T00:00:00.000Z");

function plugin(pluginId: string, version: string, overrides: Partial<PluginRecord> = {}): PluginRecord {
  return {
    pluginId,
    name: pluginId,
    version,
    description: "",
    author: "",
    pluginType: "custom",
    entryPoint: "index.mjs",
    configSchema: null,
    paramsSchema: null,
    defaultConfig: null,
    icon: "",
    repository: "",
    documentation: "",
    isEnabled: PluginStatus.Enabled,
    isBuiltin: 0,
    checksum: `${version}`.padEnd(64, "0"),
    source: "local",
    s3Path: "",
    manifest: { name: pluginId, version, pluginType: "custom", entryPoint: "index.mjs" },
    latestVersion: null,
    autoUpdate: false,
    marketId: null,
    installTime: at,
    updateTime: at,
    ...overrides,
  };
}

function versionRow(pluginId: string, version: string, signed = false): PluginVersionRecord {
  return {
    pluginId,
    version,
    checksum: `${version}`.padEnd(64, "0"),
    objectKey: `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`,
    size: 1,
    manifest: { name: pluginId, version, pluginType: "custom", entryPoint: "index.mjs" },
    createdAt: at,
    ...(signed ? { signature: `sig-${version}`, signatureKeyId: "key-1" } : {}),
  };
}

/** The reads desiredPluginsReader makes, over in-memory rows; counts version-row reads. */
function memoryRepo(rows: {
  plugins: PluginRecord[];
  versions: PluginVersionRecord[];
  placements: RolloutPlacement[];
}) {
  const reads = { versions: 0 };
  const repo = {
    listAll: async () => rows.plugins,
    listPlacements: async () => rows.placements,
    getConfig: async (id: string) => ({ of: id }),
    getVersion: async (id: string, version: string) => {
      reads.versions += 1;
      return rows.versions.find((v) => v.pluginId === id && v.version === version) ?? null;
    },
  } as unknown as PluginRepo;
  return { repo, reads };
}

function placement(overrides: Partial<RolloutPlacement> = {}): RolloutPlacement {
  return {
    pluginId: "p_a",
    jobId: "job-1",
    fromVersion: "1.0.0",
    toVersion: "2.0.0",
    nodes: [],
    alongside: null,
    hold: false,
    updatedAt: at.toISOString(),
    ...overrides,
  };
}

const ROWS = () => ({
  plugins: [plugin("p_a", "1.0.0"), plugin("p_b", "3.0.0")],
  versions: [versionRow("p_a", "1.0.0"), versionRow("p_a", "2.0.0", true), versionRow("p_b", "3.0.0")],
  placements: [] as RolloutPlacement[],
});

const summary = (desired: Awaited<ReturnType<ReturnType<typeof desiredPluginsReader>>>) =>
  Object.fromEntries(
    desired.map((d) => [
      d.pluginId,
      {
        version: d.version,
        ...(d.alongside ? { alongside: `${d.alongside.version}:${d.alongside.share}` } : {}),
        ...(d.hold ? { hold: true } : {}),
      },
    ]),
  );

describe("desiredPluginsReader with rollout placements", () => {
  it("without a placement every node runs the plugin row's version", async () => {
    const { repo } = memoryRepo(ROWS());
    const desired = await desiredPluginsReader(repo, { nodeId: "n1" })();
    expect(summary(desired)).toEqual({ p_a: { version: "1.0.0" }, p_b: { version: "3.0.0" } });
  });

  it("canary: the nodes named run toVersion from its version row (checksum, object key, manifest, signature); the others keep the row's", async () => {
    const rows = ROWS();
    rows.placements = [placement({ nodes: ["n2"] })];
    const { repo } = memoryRepo(rows);
    const onCanary = await desiredPluginsReader(repo, { nodeId: "n2" })();
    expect(onCanary.find((d) => d.pluginId === "p_a")).toEqual({
      pluginId: "p_a",
      version: "2.0.0",
      checksum: "2.0.0".padEnd(64, "0"),
      objectKey: "plugins/p_a/2.0.0/p_a_2.0.0.zip",
      manifest: { name: "p_a", version: "2.0.0", pluginType: "custom", entryPoint: "index.mjs" },
      config: { of: "p_a" },
      signature: { keyId: "key-1", signature: "sig-2.0.0" },
      keepCached: ["1.0.0", "2.0.0"],
    });
    const elsewhere = await desiredPluginsReader(repo, { nodeId: "n1" })();
    expect(summary(elsewhere)).toEqual({ p_a: { version: "1.0.0" }, p_b: { version: "3.0.0" } });
    // Both versions of the rollout stay cached on every node; a plugin without one keeps its own.
    expect(elsewhere.map((d) => d.keepCached)).toEqual([["1.0.0", "2.0.0"], undefined]);
    // A reader without a node id is in no canary.
    expect(summary(await desiredPluginsReader(repo)())).toEqual(summary(elsewhere));
  });

  it("alongside: every node also loads toVersion with the share, salt and caller-key header; not on a canary node", async () => {
    const rows = ROWS();
    rows.placements = [
      placement({ nodes: ["n2"], alongside: { share: 10, salt: "job-1", callerKeyHeader: "X-Caller" } }),
    ];
    const { repo } = memoryRepo(rows);
    const desired = await desiredPluginsReader(repo, { nodeId: "n1" })();
    expect(desired.find((d) => d.pluginId === "p_a")?.alongside).toEqual({
      version: "2.0.0",
      checksum: "2.0.0".padEnd(64, "0"),
      objectKey: "plugins/p_a/2.0.0/p_a_2.0.0.zip",
      manifest: { name: "p_a", version: "2.0.0", pluginType: "custom", entryPoint: "index.mjs" },
      signature: { keyId: "key-1", signature: "sig-2.0.0" },
      share: 10,
      salt: "job-1",
      callerKeyHeader: "X-Caller",
    });
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n2" })())).toEqual({
      p_a: { version: "2.0.0" },
      p_b: { version: "3.0.0" },
    });
  });

  it("hold: the node holds new calls of the plugin (and only of that plugin)", async () => {
    const rows = ROWS();
    rows.placements = [
      placement({ alongside: { share: 0, salt: "job-1", callerKeyHeader: null }, hold: true }),
    ];
    const { repo } = memoryRepo(rows);
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n1" })())).toEqual({
      p_a: { version: "1.0.0", alongside: "2.0.0:0", hold: true },
      p_b: { version: "3.0.0" },
    });
  });

  it("an install into a running cluster (fromVersion null): only the nodes named run it; a two-phase prepare loads it everywhere", async () => {
    const rows = ROWS();
    rows.plugins.push(plugin("p_new", "0.1.0"));
    rows.versions.push(versionRow("p_new", "0.1.0"));
    rows.placements = [
      placement({ pluginId: "p_new", fromVersion: null, toVersion: "0.1.0", nodes: ["n3"] }),
    ];
    const { repo } = memoryRepo(rows);
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n1" })())).not.toHaveProperty("p_new");
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n3" })())).toMatchObject({
      p_new: { version: "0.1.0" },
    });
    rows.placements = [
      placement({
        pluginId: "p_new",
        fromVersion: null,
        toVersion: "0.1.0",
        alongside: { share: 0, salt: "job-2", callerKeyHeader: null },
      }),
    ];
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n1" })())).toMatchObject({
      p_new: { version: "0.1.0" },
    });
  });

  it("a disabled plugin is not run anywhere, placement or not; a missing version row keeps the row's version", async () => {
    const rows = ROWS();
    rows.plugins[1] = plugin("p_b", "3.0.0", { isEnabled: PluginStatus.Disabled });
    rows.placements = [
      placement({ nodes: ["n1"], toVersion: "9.9.9" }),
      placement({ pluginId: "p_b", fromVersion: "3.0.0", toVersion: "3.1.0", nodes: ["n1"] }),
    ];
    const { repo } = memoryRepo(rows);
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n1" })())).toEqual({
      p_a: { version: "1.0.0" },
    });
  });

  it("reads a placement's version row once per rollout job, and again for a new job", async () => {
    const rows = ROWS();
    rows.placements = [placement({ nodes: ["n1"] })];
    const { repo, reads } = memoryRepo(rows);
    const read = desiredPluginsReader(repo, { nodeId: "n1" });
    await read();
    const first = reads.versions;
    await read();
    expect(reads.versions).toBe(first);
    rows.placements = [placement({ nodes: ["n1"], jobId: "job-2" })];
    await read();
    expect(reads.versions).toBe(first + 1);
  });

  it("a read straddling a two-phase switch's commit never gives the old version without its hold", async () => {
    // Before the commit: 1.0.0 serves, 2.0.0 prepared alongside, calls held. The switch moves the
    // row to 2.0.0 and deletes the placement in one transaction, here between the two reads.
    let committed = false;
    const commitAfterRead = <T>(before: T, after: T): T => {
      const rows = committed ? after : before;
      committed = true;
      return rows;
    };
    const frozen = placement({ alongside: { share: 0, salt: "job-1", callerKeyHeader: null }, hold: true });
    const repo = {
      ...memoryRepo(ROWS()).repo,
      listAll: async () => commitAfterRead([plugin("p_a", "1.0.0")], [plugin("p_a", "2.0.0")]),
      listPlacements: async () => commitAfterRead([frozen], []),
    } as PluginRepo;
    expect(summary(await desiredPluginsReader(repo, { nodeId: "n1" })())).toEqual({
      p_a: { version: "2.0.0", hold: true },
    });
  });
});
