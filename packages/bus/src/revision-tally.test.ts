import type { NodePluginState } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import type { NodeInfo } from "./node-info.js";
import { RevisionTally } from "./revision-tally.js";

function node(nodeId: string, appliedRevision: number, plugins: Partial<NodePluginState>[] = []): NodeInfo {
  return {
    nodeId,
    host: "h",
    pid: 1,
    startedAt: "2024-01-01T00:00:00.000Z",
    appliedRevision,
    version: "0.1.0",
    lastSeen: "2024-01-01T00:00:01.000Z",
    plugins: plugins.map((p) => ({
      nodeId,
      pluginId: "plugin_a_aaaaaa",
      version: "1.0.0",
      checksum: "c",
      state: "loaded",
      ...p,
    })),
  };
}

const PLUGIN = "plugin_a_aaaaaa";
/** The change asked for plugin_a 1.0.0 with checksum "c". */
const WANTS_1_0 = { pluginId: PLUGIN, version: "1.0.0", checksum: "c" };

describe("RevisionTally", () => {
  it("is done with nobody live, and answers no node", () => {
    const tally = new RevisionTally(3);
    tally.observe([]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({ expected: 0, applied: [], failed: [], pending: [] });
  });

  it("waits for every live node, counting joiners", () => {
    const tally = new RevisionTally(3);
    tally.observe([node("a", 3), node("b", 2)]);
    expect(tally.done).toBe(false);
    tally.observe([node("a", 3), node("b", 4), node("c", 1)]);
    expect(tally.done).toBe(false);
    expect(tally.result()).toEqual({
      expected: 3,
      applied: ["a", "b"],
      failed: [],
      pending: ["c"],
      degraded: true,
    });
    tally.observe([node("a", 3), node("b", 4), node("c", 3)]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({ expected: 3, applied: ["a", "b", "c"], failed: [], pending: [] });
  });

  it("keeps a node that left without answering as expected and pending", () => {
    const tally = new RevisionTally(3);
    tally.observe([node("a", 2), node("b", 2)]);
    tally.observe([node("a", 3)]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({
      expected: 2,
      applied: ["a"],
      failed: [],
      pending: ["b"],
      degraded: true,
    });
  });

  it("judges only the plugin in question, and only nodes that reached the revision", () => {
    const tally = new RevisionTally(5, WANTS_1_0);
    tally.observe([
      node("a", 5, [{ state: "error", error: "init threw" }]),
      node("b", 5, [
        { state: "loaded" },
        { pluginId: "plugin_other_bbbbbb", state: "error", error: "other" },
      ]),
      node("c", 4, [{ state: "error", error: "old failure" }]),
      node("d", 5, [{ state: "error", error: null }]),
    ]);
    expect(tally.result()).toEqual({
      expected: 4,
      applied: ["b"],
      failed: [
        { nodeId: "a", error: "init threw" },
        { nodeId: "d", error: "plugin_a_aaaaaa 1.0.0 failed to load" },
      ],
      pending: ["c"],
      degraded: true,
    });
  });

  it("counts a node whose swap failed (old version still loaded, reason reported) as failed", () => {
    const tally = new RevisionTally(3, { pluginId: PLUGIN, version: "1.1.0", checksum: "d" });
    tally.observe([
      node("a", 3, [{ state: "loaded", error: "init threw: broken release" }]),
      node("b", 3, [{ version: "1.1.0", checksum: "d" }]),
    ]);
    expect(tally.result().failed).toEqual([{ nodeId: "a", error: "init threw: broken release" }]);
    expect(tally.result().applied).toEqual(["b"]);
  });

  it("a node at the revision that runs another version or checksum, or nothing, did not apply it", () => {
    const tally = new RevisionTally(3, WANTS_1_0);
    tally.observe([
      node("a", 3, [{ version: "0.9.0" }]),
      node("b", 3, [{ checksum: "other bytes" }]),
      node("c", 3),
    ]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({
      expected: 3,
      applied: [],
      failed: [
        { nodeId: "a", error: "runs plugin_a_aaaaaa 0.9.0 instead of 1.0.0" },
        { nodeId: "b", error: "runs other bytes of plugin_a_aaaaaa 1.0.0 (SHA-256 other bytes…)" },
        { nodeId: "c", error: "plugin_a_aaaaaa 1.0.0 is not loaded" },
      ],
      pending: [],
    });
  });

  it("waits while the plugin is still loading on a node", () => {
    const tally = new RevisionTally(3, WANTS_1_0);
    tally.observe([node("a", 3, [{ state: "loading" }])]);
    expect(tally.done).toBe(false);
    expect(tally.result().pending).toEqual(["a"]);
    tally.observe([node("a", 3, [{ state: "loaded" }])]);
    expect(tally.done).toBe(true);
  });

  it("judges each node against its own version (versionFor: a canary step)", () => {
    const tally = new RevisionTally(4, {
      pluginId: PLUGIN,
      version: "2.0.0",
      checksum: "new",
      versionFor: (nodeId) => (nodeId === "a" ? "2.0.0" : "1.0.0"),
    });
    tally.observe([
      node("a", 4, [{ version: "2.0.0", checksum: "new" }]),
      node("b", 4, [{ version: "1.0.0" }]),
      node("c", 4, [{ version: "2.0.0", checksum: "new" }]),
    ]);
    expect(tally.result()).toMatchObject({
      applied: ["a", "b"],
      failed: [{ nodeId: "c", error: "runs plugin_a_aaaaaa 2.0.0 instead of 1.0.0" }],
    });
  });

  it("a change that removes the plugin is applied where it is gone", () => {
    const tally = new RevisionTally(2, { pluginId: PLUGIN, version: null });
    tally.observe([node("a", 2), node("b", 2, [{ state: "loaded" }]), node("c", 2, [{ state: "unloaded" }])]);
    expect(tally.result()).toMatchObject({
      applied: ["a", "c"],
      failed: [{ nodeId: "b", error: "still runs plugin_a_aaaaaa 1.0.0" }],
    });
  });

  it("without an expectation, reaching the revision is applying it", () => {
    const tally = new RevisionTally(1);
    tally.observe([node("a", 1, [{ state: "error", error: "x" }])]);
    expect(tally.result()).toEqual({ expected: 1, applied: ["a"], failed: [], pending: [] });
  });
});
