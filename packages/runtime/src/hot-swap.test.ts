import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./plugin-host.js";
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

/** A plugin whose action takes 20-50 ms and says which version answered. */
function slowPlugin(tag: string): string {
  return `export default {
  actions: {
    async execute(params, ctx) {
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 30)));
      return { tag: "${tag}", version: ctx.version, n: params.n };
    },
  },
};
`;
}

describe("hot swap", () => {
  it("swaps v1 <-> v2 twenty times under continuous load without a failed call", async () => {
    const host = new PluginHost({
      nodeId: "n",
      logger: capturingLogger(),
      drainTimeoutMs: 5_000,
      pluginDataDir: dataRoot,
    });
    const v1 = await writePlugin(root, { pluginId: "p_swap", version: "1.0.0", source: slowPlugin("v1") });
    const v2 = await writePlugin(root, { pluginId: "p_swap", version: "2.0.0", source: slowPlugin("v2") });
    await host.load(v1);

    let running = true;
    const failures: unknown[] = [];
    const answers: { tag: string; version: string; served: string; n: number }[] = [];
    let counter = 0;
    const client = async () => {
      while (running) {
        const n = counter++;
        try {
          const answer = await host.invoke("p_swap", "execute", { n });
          const result = answer.result as { tag: string; version: string; n: number };
          answers.push({ ...result, served: answer.version });
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const clients = Array.from({ length: 8 }, () => client());

    const swapped: string[] = [];
    for (let i = 0; i < 20; i++) {
      const next = i % 2 === 0 ? v2 : v1;
      const loaded = await host.load(next);
      swapped.push(loaded.version);
    }
    running = false;
    await Promise.all(clients);
    await host.stopAll();

    expect(failures).toEqual([]);
    expect(swapped).toHaveLength(20);
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) {
      expect(["v1", "v2"]).toContain(answer.tag);
      // The version the host reports is the one whose code answered.
      expect(answer.version).toBe(answer.tag === "v1" ? "1.0.0" : "2.0.0");
      expect(answer.served).toBe(answer.version);
    }
    expect(new Set(answers.map((a) => a.tag))).toEqual(new Set(["v1", "v2"]));
  });

  it("keeps v1 serving when v2 fails to initialise, and reports the error", async () => {
    const changes: number[] = [];
    const host = new PluginHost({ nodeId: "n", logger: capturingLogger(), pluginDataDir: dataRoot });
    host.on("change", () => changes.push(1));
    const v1 = await writePlugin(root, {
      pluginId: "p_failswap",
      version: "1.0.0",
      source: slowPlugin("v1"),
    });
    const v2 = await writePlugin(root, {
      pluginId: "p_failswap",
      version: "2.0.0",
      source:
        "export default { async init() { throw new Error('v2 is broken'); }, actions: { execute() {} } };",
    });
    await host.load(v1);
    const inFlight = host.invoke("p_failswap", "execute", { n: 1 });
    await expect(host.load(v2)).rejects.toMatchObject({ code: "PLUGIN_LOAD_FAILED" });
    expect((await inFlight).result).toMatchObject({ tag: "v1" });
    expect((await host.invoke("p_failswap", "execute", { n: 2 })).result).toMatchObject({ tag: "v1" });
    const state = host.get("p_failswap");
    expect(state).toMatchObject({ state: "loaded", version: "1.0.0" });
    expect(state?.lastSwapError).toContain("v2 is broken");
    expect(host.snapshot()[0]).toMatchObject({
      version: "1.0.0",
      state: "loaded",
      error: expect.stringContaining("v2"),
    });
    expect(host.isSettled(v2)).toBe(true);
    expect(changes.length).toBeGreaterThan(1);
    await host.stopAll();
  });
});
