import { LATENCY_BUCKETS_MS, type PluginVersionCounters } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { assertHeartbeat, MAX_REPORTED_VERSIONS, type NodeHeartbeat, parseNodeInfo } from "./node-info.js";

function counters(version: string): PluginVersionCounters {
  const latency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latency[2] = 7;
  return { version, loadFailures: 1, crashes: 3, calls: 7, errors: 2, latency };
}

function heartbeat(plugin: Record<string, unknown> = {}): NodeHeartbeat {
  return {
    nodeId: "n1",
    host: "h",
    pid: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    appliedRevision: 4,
    version: "1.0.0",
    plugins: [
      {
        nodeId: "n1",
        pluginId: "p1",
        version: "1.0.0",
        checksum: "ab",
        state: "loaded",
        counters: [counters("1.0.0"), counters("2.0.0")],
        quarantined: {
          version: "2.0.0",
          checksum: "cd",
          fallbackVersion: "1.0.0",
          crashes: ["2026-01-01T00:01:00.000Z", "2026-01-01T00:01:02.000Z", "2026-01-01T00:01:05.000Z"],
          at: "2026-01-01T00:01:05.000Z",
        },
        ...plugin,
      } as NodeHeartbeat["plugins"][number],
    ],
  };
}

function stored(state: NodeHeartbeat): string {
  return JSON.stringify({ ...state, lastSeen: "2026-01-01T00:02:00.000Z" });
}

describe("node info: counters and quarantine", () => {
  it("keeps the counters and the quarantine report of each plugin", () => {
    const state = heartbeat();
    expect(() => assertHeartbeat(state)).not.toThrow();
    const parsed = parseNodeInfo(stored(state));
    expect(parsed?.plugins[0]?.counters).toEqual(state.plugins[0]?.counters);
    expect(parsed?.plugins[0]?.quarantined).toEqual(state.plugins[0]?.quarantined);
    expect(parseNodeInfo(stored(heartbeat({ counters: undefined, quarantined: null })))).not.toBeNull();
  });

  it.each([
    [
      "a histogram of the wrong length",
      { counters: [{ ...counters("1.0.0"), latency: [1, 2] }] },
      "/plugins/0/counters/0/latency",
    ],
    ["a negative count", { counters: [{ ...counters("1.0.0"), calls: -1 }] }, "/plugins/0/counters/0/calls"],
    [
      "a fractional count",
      { counters: [{ ...counters("1.0.0"), errors: 0.5 }] },
      "/plugins/0/counters/0/errors",
    ],
    [
      "too many versions",
      { counters: Array.from({ length: MAX_REPORTED_VERSIONS + 1 }, (_, i) => counters(`1.0.${i}`)) },
      "/plugins/0/counters",
    ],
    [
      "a version that is no string",
      { counters: [{ ...counters("1.0.0"), version: 3 }] },
      "/plugins/0/counters/0/version",
    ],
    [
      "a crash time that is no time",
      { quarantined: { ...heartbeat().plugins[0]?.quarantined, crashes: ["soon"] } },
      "/plugins/0/quarantined/crashes",
    ],
    [
      "a fallback that is no string",
      { quarantined: { ...heartbeat().plugins[0]?.quarantined, fallbackVersion: 1 } },
      "/plugins/0/quarantined/fallbackVersion",
    ],
  ])("refuses %s, naming where", (_what, plugin, path) => {
    const state = heartbeat(plugin);
    expect(parseNodeInfo(stored(state))).toBeNull();
    let thrown: unknown;
    try {
      assertHeartbeat(state);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "VALIDATION_FAILED", errors: [expect.objectContaining({ path })] });
  });
});
