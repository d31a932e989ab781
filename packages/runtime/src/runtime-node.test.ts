import type { PluginChangedEvent } from "@arcade/contracts";
import type { NodeHeartbeat, NodePresence, PluginChangeHandlers, PluginRepo } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./plugin-host.js";
import { RuntimeNode } from "./runtime-node.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { pluginWorkspace } from "./testing/plugin-fixtures.js";

let dataRoot: string;
let removeRoot: () => Promise<void>;
beforeAll(async () => {
  ({ dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterAll(async () => {
  await removeRoot();
});

/** The cluster membership as the node uses it, recorded. */
class RecordingPresence implements NodePresence {
  readonly beats: { state: NodeHeartbeat; acknowledge: boolean }[] = [];
  started = false;
  closed = false;
  async heartbeat(state: NodeHeartbeat, options: { acknowledge?: boolean } = {}) {
    this.beats.push({ state, acknowledge: options.acknowledge === true });
    return null;
  }
  async start(getState: () => NodeHeartbeat | Promise<NodeHeartbeat>) {
    this.started = true;
    this.beats.push({ state: await getState(), acknowledge: false });
  }
  async close() {
    this.closed = true;
  }
}

function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe("RuntimeNode", () => {
  it("subscribes before its first reconcile, acknowledges each applied change, and stops in order", async () => {
    const order: string[] = [];
    let revision = 3;
    const plugins = {
      listAll: async () => [],
      listPlacements: async () => [],
      currentRevision: async () => revision,
    } as unknown as PluginRepo;
    const presence = new RecordingPresence();
    let handlers: PluginChangeHandlers | null = null;
    const host = new PluginHost({
      nodeId: "n1",
      logger: capturingLogger(),
      drainTimeoutMs: 1000,
      pluginDataDir: dataRoot,
    });
    const node = await RuntimeNode.start({
      nodeId: "n1",
      version: "9.9.9",
      url: "http://127.0.0.1:1",
      host,
      plugins,
      artifacts: { ensure: async () => ({ dir: "/nowhere" }) },
      presence,
      events: (h) => {
        handlers = h;
        return {
          start: async () => {
            order.push("subscribed");
          },
          stop: async () => {
            order.push("unsubscribed");
          },
        };
      },
      logger: capturingLogger(),
    });
    expect(order).toEqual(["subscribed"]);
    expect(node.reconciler.appliedRevision).toBe(3);
    expect(presence.started).toBe(true);
    expect(presence.beats.at(-1)?.state).toMatchObject({
      nodeId: "n1",
      appliedRevision: 3,
      version: "9.9.9",
    });

    // A change committed at revision 4 and announced: applied, then acknowledged at once.
    revision = 4;
    const event: PluginChangedEvent = {
      revision: 4,
      pluginId: "plugin_x_aaaaaa",
      op: "disable",
      version: null,
      checksum: null,
      jobId: "job-1",
    };
    (handlers as PluginChangeHandlers | null)?.onEvent(event);
    await waitFor(() => presence.beats.some((b) => b.acknowledge && b.state.appliedRevision === 4));

    await node.stop();
    expect(order).toEqual(["subscribed", "unsubscribed"]);
    expect(presence.closed).toBe(true);
  });
});
