import type { NodePluginState } from "@arcade/contracts";
import { type Logger, silentLogger } from "@arcade/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MessageSigner } from "./message-signer.js";
import type { NodeHeartbeat } from "./node-info.js";
import { NodeRegistry, type NodeRegistryOptions } from "./node-registry.js";
import { deleteByPrefix, eventually, TEST_REDIS_URL, uniquePrefix } from "./test-helpers.js";

const PLUGIN = "plugin_slack_k3x9q2";

function state(
  nodeId: string,
  appliedRevision: number,
  plugins: Partial<NodePluginState>[] = [],
): NodeHeartbeat {
  return {
    nodeId,
    host: "test-host",
    pid: 4242,
    startedAt: "2024-05-01T10:00:00.000Z",
    appliedRevision,
    version: "0.1.0",
    url: `http://127.0.0.1:1/${nodeId}`,
    plugins: plugins.map((p) => ({
      nodeId,
      pluginId: PLUGIN,
      version: "1.0.0",
      checksum: "b".repeat(64),
      state: "loaded",
      ...p,
    })),
  };
}

const quiet: Logger = silentLogger;

describe.skipIf(!TEST_REDIS_URL)("NodeRegistry (real Redis)", () => {
  let admin: Redis;
  const prefixes: string[] = [];
  const registries: NodeRegistry[] = [];

  /** Each test gets its own prefix, so its nodes are the only ones in its cluster. */
  function cluster(defaults: Partial<NodeRegistryOptions> = {}) {
    const prefix = uniquePrefix("bus-registry");
    prefixes.push(prefix);
    return (options: Partial<NodeRegistryOptions> = {}) => {
      const registry = new NodeRegistry({
        ...defaults,
        redis: admin,
        prefix,
        heartbeatIntervalMs: 100,
        heartbeatTtlMs: 60_000,
        logger: quiet,
        ...options,
      });
      registries.push(registry);
      return registry;
    };
  }

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteByPrefix(admin, prefix);
    await admin.quit();
  });

  it("lists what nodes heartbeat, sorted by id, with lastSeen", async () => {
    const make = cluster();
    const reader = make();
    const before = Date.now();
    await make().heartbeat(state("node-b", 3, [{ state: "loaded" }]));
    await make().heartbeat(state("node-a", 2));
    const nodes = await reader.listNodes();
    expect(nodes.map((n) => n.nodeId)).toEqual(["node-a", "node-b"]);
    expect(nodes[1]).toMatchObject({ ...state("node-b", 3, [{ state: "loaded" }]) });
    expect(Date.parse(nodes[1]!.lastSeen)).toBeGreaterThanOrEqual(before - 1);
  });

  it("a later heartbeat replaces the entry", async () => {
    const make = cluster();
    const node = make();
    await node.heartbeat(state("n1", 1));
    await node.heartbeat(state("n1", 5));
    expect((await node.listNodes()).map((n) => [n.nodeId, n.appliedRevision])).toEqual([["n1", 5]]);
  });

  it("a node that stops heartbeating expires after its TTL, and the index is pruned", async () => {
    const make = cluster();
    const node = make({ heartbeatTtlMs: 300 });
    const reader = make();
    // With a 300 ms TTL, make sure we saw it alive at least once.
    await eventually(async () => {
      await node.heartbeat(state("short-lived", 1));
      expect((await reader.listNodes()).map((n) => n.nodeId)).toEqual(["short-lived"]);
    });
    await eventually(async () => expect(await reader.listNodes()).toEqual([]));
    expect(await admin.zcard(reader.names.nodeIndex)).toBe(0);
  });

  it("start() keeps a node alive past its TTL; stop() removes it at once", async () => {
    const make = cluster();
    const node = make({ heartbeatIntervalMs: 100, heartbeatTtlMs: 1000 });
    const reader = make();
    let revision = 1;
    await node.start(() => state("timed", revision));
    expect((await reader.listNodes()).map((n) => n.nodeId)).toEqual(["timed"]);

    revision = 2; // the timer picks up new state on its own
    await eventually(async () => expect((await reader.listNodes())[0]?.appliedRevision).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await reader.listNodes()).map((n) => n.nodeId)).toEqual(["timed"]);

    await node.stop();
    expect(await reader.listNodes()).toEqual([]);
    expect(await admin.exists(reader.names.nodeKey("timed"))).toBe(0);
    // Once out, a stray heartbeat does not bring it back; start() would.
    expect(await node.heartbeat(state("timed", 3))).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await reader.listNodes()).toEqual([]);
  });

  it("stop() also removes a node whose first heartbeat was still in flight", async () => {
    const make = cluster();
    const node = make();
    const reader = make();
    const first = node.heartbeat(state("racer", 1));
    await node.stop();
    await first;
    expect(await reader.listNodes()).toEqual([]);
  });

  it("skips entries whose lastSeen is older than the TTL, and malformed entries", async () => {
    const make = cluster();
    const reader = make({ heartbeatTtlMs: 2000, clockSkewMs: 0 });
    await make().heartbeat(state("fresh", 1));
    const stale = { ...state("stale", 1), lastSeen: new Date(Date.now() - 60_000).toISOString() };
    await admin.set(reader.names.nodeKey("stale"), JSON.stringify(stale), "PX", 60_000);
    await admin.set(reader.names.nodeKey("junk"), "{not json", "PX", 60_000);
    await admin.zadd(reader.names.nodeIndex, Date.now(), "stale", Date.now(), "junk");
    expect((await reader.listNodes()).map((n) => n.nodeId)).toEqual(["fresh"]);
  });

  it("rejects an invalid heartbeat with VALIDATION_FAILED", async () => {
    const node = cluster()();
    await expect(node.heartbeat({ ...state("x", 1), appliedRevision: -1 })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(node.heartbeat({ ...state("", 1) })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("start() refuses a TTL that does not outlive the interval", async () => {
    const node = cluster()({ heartbeatIntervalMs: 500, heartbeatTtlMs: 500 });
    await expect(node.start(() => state("x", 1))).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  describe("waitForRevision", () => {
    // The wait timeouts are far longer than the test timeout: if these pass, they resolved early.
    it("resolves as soon as every live node applied, counting nodes that join meanwhile", {
      timeout: 15_000,
    }, async () => {
      const make = cluster();
      const [a, b, c, waiter] = [make(), make(), make(), make()];
      await a.heartbeat(state("a", 1));
      await b.heartbeat(state("b", 1));
      const wait = waiter.waitForRevision({ revision: 2, timeoutMs: 50_000, pollMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await a.heartbeat(state("a", 2));
      await c.heartbeat(state("c", 1)); // joins, not yet applied
      await b.heartbeat(state("b", 3));
      await c.heartbeat(state("c", 2));
      expect(await wait).toEqual({ expected: 3, applied: ["a", "b", "c"], failed: [], pending: [] });
    });

    it("waitForRevision answers exactly JobResult.nodes", async () => {
      const make = cluster();
      const [a, b, c, waiter] = [make(), make(), make(), make()];
      await a.heartbeat(state("a", 7, [{ state: "error", error: "bad" }]));
      await b.heartbeat(state("b", 6));
      await c.heartbeat(state("c", 7, [{ state: "loaded" }]));
      expect(
        await waiter.waitForRevision({
          revision: 7,
          timeoutMs: 300,
          pluginId: PLUGIN,
          version: "1.0.0",
          checksum: "b".repeat(64),
        }),
      ).toStrictEqual({
        expected: 3,
        applied: ["c"],
        failed: [{ nodeId: "a", error: "bad" }],
        pending: ["b"],
        degraded: true,
      });
    });

    it("answers with partial results at the timeout", async () => {
      const make = cluster();
      const [a, b, waiter] = [make(), make(), make()];
      await a.heartbeat(state("a", 7));
      await b.heartbeat(state("b", 6));
      expect(await waiter.waitForRevision({ revision: 7, timeoutMs: 500 })).toEqual({
        expected: 2,
        applied: ["a"],
        failed: [],
        pending: ["b"],
        degraded: true,
      });
    });

    it("lists nodes that applied but report the plugin in error", { timeout: 15_000 }, async () => {
      const make = cluster();
      const [a, b, waiter] = [make(), make(), make()];
      await a.heartbeat(state("a", 4, [{ state: "error", error: "init threw: missing token" }]));
      await b.heartbeat(state("b", 4, [{ state: "loaded" }]));
      const result = await waiter.waitForRevision({
        revision: 4,
        timeoutMs: 50_000,
        pluginId: PLUGIN,
        version: "1.0.0",
      });
      expect(result).toEqual({
        expected: 2,
        applied: ["b"],
        failed: [{ nodeId: "a", error: "init threw: missing token" }],
        pending: [],
        degraded: true,
      });
    });

    it("resolves at once when no node is live", { timeout: 15_000 }, async () => {
      const waiter = cluster()();
      expect(await waiter.waitForRevision({ revision: 1, timeoutMs: 50_000 })).toEqual({
        expected: 0,
        applied: [],
        failed: [],
        pending: [],
      });
    });

    describe("acknowledgements", () => {
      // pollMs far beyond the test timeout: only an acknowledgement can end these waits early.
      const slow = { timeoutMs: 50_000, pollMs: 60_000 };

      it("ends the wait the moment the last node acknowledges, and reports each node once", {
        timeout: 15_000,
      }, async () => {
        const make = cluster({ clusterSecret: "s3cret" });
        const [a, b, waiter] = [make(), make(), make()];
        await a.heartbeat(state("a", 1));
        await b.heartbeat(state("b", 1));
        const reports: unknown[] = [];
        const wait = waiter.waitForRevision({
          revision: 2,
          pluginId: PLUGIN,
          version: "1.0.0",
          onNode: (r) => reports.push(r),
          ...slow,
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const loaded = state("a", 2, [{ state: "loaded" }]);
        await a.heartbeat(loaded, { acknowledge: true });
        await b.heartbeat(state("b", 2, [{ state: "error", error: "init threw" }]), { acknowledge: true });
        await a.heartbeat(loaded, { acknowledge: true }); // a repeat is not a second report
        expect(await wait).toEqual({
          expected: 2,
          applied: ["a"],
          failed: [{ nodeId: "b", error: "init threw" }],
          pending: [],
          degraded: true,
        });
        expect(reports).toEqual([
          { nodeId: "a", revision: 2, outcome: "applied" },
          { nodeId: "b", revision: 2, outcome: "failed", error: "init threw" },
        ]);
      });

      it("counts a node that joins and acknowledges during the wait", { timeout: 15_000 }, async () => {
        const make = cluster({ clusterSecret: "s3cret" });
        const [a, c, waiter] = [make(), make(), make()];
        await a.heartbeat(state("a", 1));
        const wait = waiter.waitForRevision({ revision: 2, ...slow });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await c.heartbeat(state("c", 2), { acknowledge: true });
        await a.heartbeat(state("a", 2), { acknowledge: true });
        expect(await wait).toEqual({ expected: 2, applied: ["a", "c"], failed: [], pending: [] });
      });

      it("does not count a forged acknowledgement (no or a wrong signature)", async () => {
        const make = cluster({ clusterSecret: "s3cret" });
        const [a, waiter] = [make(), make()];
        await a.heartbeat(state("a", 1));
        const reports: unknown[] = [];
        const wait = waiter.waitForRevision({
          revision: 2,
          timeoutMs: 600,
          pollMs: 60_000,
          onNode: (r) => reports.push(r),
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const info = JSON.stringify({ ...state("a", 2), lastSeen: new Date().toISOString() });
        const forger = new MessageSigner("another", waiter.names.prefix);
        await admin.xadd(waiter.names.nodeAcks, "*", "node", info);
        await admin.xadd(waiter.names.nodeAcks, "*", "node", forger.seal("node-ack", info));
        expect(await wait).toEqual({ expected: 1, applied: [], failed: [], pending: ["a"] });
        expect(reports).toEqual([]);
      });
    });

    it("does not wait for a node that leaves, but reports it as pending", { timeout: 15_000 }, async () => {
      const make = cluster();
      const [a, b, waiter] = [make(), make(), make()];
      await a.heartbeat(state("a", 9));
      await b.heartbeat(state("b", 8));
      const wait = waiter.waitForRevision({ revision: 9, timeoutMs: 50_000, pollMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await b.stop();
      expect(await wait).toEqual({ expected: 2, applied: ["a"], failed: [], pending: ["b"], degraded: true });
    });
  });
});
