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

describe("RevisionTally", () => {
  it("is done with nobody live, and answers zeros", () => {
    const tally = new RevisionTally(3);
    tally.observe([]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({ expected: 0, applied: 0, failed: [], pending: [] });
  });

  it("waits for every live node, counting joiners", () => {
    const tally = new RevisionTally(3);
    tally.observe([node("a", 3), node("b", 2)]);
    expect(tally.done).toBe(false);
    tally.observe([node("a", 3), node("b", 4), node("c", 1)]);
    expect(tally.done).toBe(false);
    expect(tally.result()).toEqual({ expected: 3, applied: 2, failed: [], pending: ["c"] });
    tally.observe([node("a", 3), node("b", 4), node("c", 3)]);
    expect(tally.done).toBe(true);
  });

  it("keeps a node that left without applying as expected and pending", () => {
    const tally = new RevisionTally(3);
    tally.observe([node("a", 2), node("b", 2)]);
    tally.observe([node("a", 3)]);
    expect(tally.done).toBe(true);
    expect(tally.result()).toEqual({ expected: 2, applied: 1, failed: [], pending: ["b"] });
  });

  it("reports failures only for the plugin in question, and only once applied", () => {
    const tally = new RevisionTally(5, "plugin_a_aaaaaa");
    tally.observe([
      node("a", 5, [{ state: "error", error: "init threw" }]),
      node("b", 5, [{ pluginId: "plugin_other_bbbbbb", state: "error", error: "other" }]),
      node("c", 4, [{ state: "error", error: "old failure" }]),
      node("d", 5, [{ state: "error", error: null }]),
    ]);
    expect(tally.result()).toEqual({
      expected: 4,
      applied: 3,
      failed: [
        { nodeId: "a", error: "init threw" },
        { nodeId: "d", error: "plugin plugin_a_aaaaaa failed to load" },
      ],
      pending: ["c"],
    });
  });

  it("counts a node whose swap failed (old version still loaded, reason reported) as failed", () => {
    const tally = new RevisionTally(3, "plugin_a_aaaaaa");
    tally.observe([
      node("a", 3, [{ state: "loaded", error: "init threw: broken release" }]),
      node("b", 3, [{ state: "loaded", error: null }]),
    ]);
    expect(tally.result().failed).toEqual([{ nodeId: "a", error: "init threw: broken release" }]);
  });

  it("reports no failures without a pluginId", () => {
    const tally = new RevisionTally(1);
    tally.observe([node("a", 1, [{ state: "error", error: "x" }])]);
    expect(tally.result().failed).toEqual([]);
  });
});
