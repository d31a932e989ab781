import { AppError } from "@arcade/core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PluginHost, type PluginHostOptions } from "./plugin-host.js";
import { capturingLogger } from "./testing/capturing-logger.js";
import { customPlugin, pluginWorkspace, waitFor, writePlugin } from "./testing/plugin-fixtures.js";

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
const hosts: PluginHost[] = [];

beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stopAll()));
});
afterAll(async () => {
  await removeRoot();
});

function newHost(options: Partial<PluginHostOptions> = {}) {
  const logger = capturingLogger();
  const host = new PluginHost({
    nodeId: "node-test",
    logger,
    loadTimeoutMs: 5_000,
    drainTimeoutMs: 2_000,
    cleanupTimeoutMs: 1_000,
    restartBackoffMs: 20,
    pluginDataDir: dataRoot,
    ...options,
  });
  hosts.push(host);
  return { host, logger };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const echo = customPlugin("return { echoed: params, pluginId: ctx.pluginId, config: ctx.config };");

describe("PluginHost", () => {
  it("loads a plugin and invokes its actions with ctx and config", async () => {
    const { host } = newHost();
    const spec = await writePlugin(root, {
      pluginId: "p_echo",
      source: echo,
      manifest: { defaultConfig: { greeting: "hi", level: 1 } },
      config: { level: 2 },
    });
    const loaded = await host.load(spec);
    expect(loaded.state).toBe("loaded");
    expect(loaded.actions).toEqual(["execute"]);
    const answer = await host.invoke("p_echo", "execute", { a: 1 });
    expect(answer).toMatchObject({
      pluginId: "p_echo",
      version: "1.0.0",
      result: { echoed: { a: 1 }, pluginId: "p_echo", config: { greeting: "hi", level: 2 } },
    });
    const [row] = host.list();
    expect(row).toMatchObject({
      pluginId: "p_echo",
      name: "p_echo",
      type: "custom",
      state: "loaded",
      calls: 1,
    });
    expect(host.snapshot()).toEqual([
      {
        nodeId: "node-test",
        pluginId: "p_echo",
        version: "1.0.0",
        checksum: spec.checksum,
        state: "loaded",
        error: null,
        counters: [expect.objectContaining({ version: "1.0.0", calls: 1, errors: 0, crashes: 0 })],
      },
    ]);
  });

  it("answers PLUGIN_NOT_LOADED and ACTION_NOT_FOUND", async () => {
    const { host } = newHost();
    await host.load(await writePlugin(root, { pluginId: "p_actions", source: echo }));
    expect((await rejection(host.invoke("p_nothing", "execute", {}))).code).toBe("PLUGIN_NOT_LOADED");
    expect((await rejection(host.invoke("p_actions", "nope", {}))).code).toBe("ACTION_NOT_FOUND");
  });

  it("refuses a plugin that lacks a required action, naming it", async () => {
    const { host } = newHost();
    const spec = await writePlugin(root, {
      pluginId: "p_notify",
      manifest: { pluginType: "notify" },
      source: "export default { actions: { async send() { return 1; } } };",
    });
    const error = await rejection(host.load(spec));
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(error.message).toContain("sendTemplate");
    expect(error.extras.missingActions).toEqual(["sendTemplate"]);
    expect(host.get("p_notify")).toMatchObject({ state: "error", errorKind: "load" });
  });

  it("validates params against paramsSchema before calling the plugin", async () => {
    const { host } = newHost();
    await host.load(
      await writePlugin(root, {
        pluginId: "p_params",
        source: customPlugin("globalThis.calls = (globalThis.calls ?? 0) + 1; return globalThis.calls;"),
        manifest: {
          paramsSchema: {
            type: "object",
            required: ["text"],
            properties: { text: { type: "string" }, count: { type: "integer" } },
          },
        },
      }),
    );
    const error = await rejection(host.invoke("p_params", "execute", { count: "x" }));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.status).toBe(422);
    const paths = error.errors.map((e) => e.path);
    expect(paths).toContain("/params/text");
    expect(paths).toContain("/params/count");
    // The rejected call never reached the plugin: the first real call is its first.
    expect((await host.invoke("p_params", "execute", { text: "ok" })).result).toBe(1);
  });

  it("reports an action that throws as ACTION_FAILED and keeps serving", async () => {
    const { host } = newHost();
    await host.load(
      await writePlugin(root, {
        pluginId: "p_throw",
        source: customPlugin("if (params.fail) throw new Error('boom'); return 'fine';"),
      }),
    );
    const error = await rejection(host.invoke("p_throw", "execute", { fail: true }));
    expect(error.code).toBe("ACTION_FAILED");
    expect(error.message).toContain("boom");
    expect((await host.invoke("p_throw", "execute", {})).result).toBe("fine");
    expect(host.list()[0]).toMatchObject({ calls: 2, errors: 1 });
  });

  it("rejects a result that cannot be cloned with ACTION_FAILED", async () => {
    const { host } = newHost();
    await host.load(
      await writePlugin(root, { pluginId: "p_clone", source: customPlugin("return { fn() {} };") }),
    );
    const error = await rejection(host.invoke("p_clone", "execute", {}));
    expect(error.code).toBe("ACTION_FAILED");
    expect(error.message).toContain("structured-cloneable");
  });

  it("marks a plugin whose init throws as error while others keep serving", async () => {
    const { host } = newHost();
    await host.load(await writePlugin(root, { pluginId: "p_good", source: echo }));
    const bad = await writePlugin(root, {
      pluginId: "p_init_throws",
      source:
        "export default { async init() { throw new Error('no database'); }, actions: { execute() {} } };",
    });
    const error = await rejection(host.load(bad));
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(error.message).toContain("no database");
    expect(host.get("p_init_throws")).toMatchObject({ state: "error" });
    expect((await rejection(host.invoke("p_init_throws", "execute", {}))).code).toBe("PLUGIN_NOT_LOADED");
    expect((await host.invoke("p_good", "execute", 1)).result).toMatchObject({ echoed: 1 });
  });

  it("bounds init with loadTimeoutMs", async () => {
    const { host } = newHost({ loadTimeoutMs: 300 });
    const spec = await writePlugin(root, {
      pluginId: "p_init_hangs",
      source: "export default { init() { return new Promise(() => {}); }, actions: { execute() {} } };",
    });
    const error = await rejection(host.load(spec));
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(error.message).toContain("init did not finish within 300ms");
  });

  it("times out an endless action, restarts the sandbox and leaves other plugins alone", async () => {
    const { host } = newHost();
    await host.load(await writePlugin(root, { pluginId: "p_other", source: echo }));
    await host.load(
      await writePlugin(root, {
        pluginId: "p_loop",
        source: customPlugin("if (params.loop) { for (;;) {} } return 'alive';"),
      }),
    );
    const first = host.get("p_loop")?.sandbox;
    const error = await rejection(host.invoke("p_loop", "execute", { loop: true }, { timeoutMs: 200 }));
    expect(error.code).toBe("ACTION_TIMEOUT");
    expect((await host.invoke("p_other", "execute", "still")).result).toMatchObject({ echoed: "still" });
    await waitFor(
      () => host.get("p_loop")?.state === "loaded" && host.get("p_loop")?.sandbox !== first,
      "restart",
    );
    expect((await host.invoke("p_loop", "execute", {})).result).toBe("alive");
    expect(host.get("p_loop")?.restarts).toBe(1);
  });

  it("restarts a crashing plugin with backoff and gives up after maxRestarts", async () => {
    const { host } = newHost({ maxRestarts: 2, restartBackoffMs: 10 });
    const crashes: string[] = [];
    host.on("crash", (c) => crashes.push(c.reason));
    await host.load(
      await writePlugin(root, {
        pluginId: "p_crashloop",
        source: customPlugin("setTimeout(() => { throw new Error('late failure'); }, 0); return 'ok';"),
      }),
    );
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(() => host.get("p_crashloop")?.state === "loaded", `load ${attempt}`, 30_000);
      await host.invoke("p_crashloop", "execute", {}).catch(() => undefined);
      await waitFor(() => crashes.length === attempt, `crash ${attempt}`, 30_000);
    }
    expect(crashes).toEqual(Array(3).fill("uncaught exception: late failure"));
    await waitFor(() => host.get("p_crashloop")?.error?.includes("gave up"), "giving up", 30_000);
    expect(host.get("p_crashloop")).toMatchObject({ state: "error", errorKind: "crash", restarts: 2 });
    // Settled: the reconciler leaves it alone until its version, checksum or config changes.
    const spec = host.get("p_crashloop")!;
    expect(host.isSettled({ ...spec, config: null })).toBe(true);
  }, 120_000);

  it("contains a plugin that runs out of memory and reports it", async () => {
    const { host } = newHost({ restartBackoffMs: 60_000 });
    await host.load(await writePlugin(root, { pluginId: "p_other2", source: echo }));
    await host.load(
      await writePlugin(root, {
        pluginId: "p_oom",
        manifest: { resources: { memory: "32Mi" } },
        source: customPlugin(
          "const keep = []; for (;;) keep.push(new Array(100000).fill({ x: Math.random() }));",
        ),
      }),
    );
    const crashes: string[] = [];
    host.on("crash", (c) => crashes.push(c.reason));
    const error = await rejection(host.invoke("p_oom", "execute", {}, { timeoutMs: 15_000 }));
    expect(error.code).toBe("ACTION_FAILED");
    expect(error.message).toContain("out of memory");
    expect(host.get("p_oom")).toMatchObject({ state: "error", errorKind: "crash" });
    expect(host.get("p_oom")?.error).toContain("out of memory");
    expect(crashes[0]).toContain("out of memory");
    expect((await host.invoke("p_other2", "execute", 2)).result).toMatchObject({ echoed: 2 });
  });

  it("contains process.exit inside an action", async () => {
    const { host } = newHost({ restartBackoffMs: 60_000 });
    await host.load(
      await writePlugin(root, { pluginId: "p_exit", source: customPlugin("process.exit(3);") }),
    );
    const error = await rejection(host.invoke("p_exit", "execute", {}));
    expect(error.code).toBe("ACTION_FAILED");
    expect(error.message).toContain("plugin called process.exit(3)");
    expect(host.snapshot()[0]).toMatchObject({
      state: "error",
      error: expect.stringContaining("process.exit(3)"),
    });
  });

  it("captures console output into the logger, tagged, and never on stdout", async () => {
    const { host, logger } = newHost();
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await host.load(
        await writePlugin(root, {
          pluginId: "p_console",
          version: "2.1.0",
          source: customPlugin(
            "console.log('marker-out ' + params.n); console.error('marker-err'); ctx.logger.info('marker-log', { n: params.n }); return null;",
          ),
        }),
      );
      await host.invoke("p_console", "execute", { n: 7 });
      await waitFor(() => logger.records.some((r) => r.msg === "marker-err"), "stderr line");
      await waitFor(() => logger.records.some((r) => r.msg === "marker-out 7"), "stdout line");
    } finally {
      spy.mockRestore();
    }
    const out = logger.records.find((r) => r.msg === "marker-out 7");
    expect(out).toMatchObject({
      level: "info",
      fields: { pluginId: "p_console", version: "2.1.0", stream: "stdout" },
    });
    expect(logger.records.find((r) => r.msg === "marker-err")).toMatchObject({ level: "warn" });
    expect(logger.records.find((r) => r.msg === "marker-log")).toMatchObject({
      level: "info",
      fields: { pluginId: "p_console", n: 7 },
    });
    expect(written.join("")).not.toContain("marker-");
  });

  it("gives the plugin an empty environment", async () => {
    const { host } = newHost();
    await host.load(
      await writePlugin(root, {
        pluginId: "p_env",
        source: customPlugin(
          "return { home: process.env.HOME ?? null, keys: Object.keys(process.env).length };",
        ),
      }),
    );
    expect(process.env.HOME).toBeDefined();
    expect((await host.invoke("p_env", "execute", {})).result).toEqual({ home: null, keys: 0 });
  });

  it("unloading terminates the thread and runs cleanup", async () => {
    const { host, logger } = newHost();
    await host.load(
      await writePlugin(root, {
        pluginId: "p_unload",
        source: `let log;
export default {
  init(ctx) { log = ctx.logger; },
  actions: { execute() { return 1; } },
  cleanup() { log.info("cleaned-up"); },
};`,
      }),
    );
    const sandbox = host.get("p_unload")?.sandbox;
    expect(sandbox).toBeTruthy();
    const exits: number[] = [];
    sandbox?.on("exit", (code) => exits.push(code));
    expect(await host.unload("p_unload")).toBe(true);
    expect(exits).toHaveLength(1);
    expect(sandbox?.state).toBe("stopped");
    expect(host.get("p_unload")).toBeUndefined();
    expect((await rejection(host.invoke("p_unload", "execute", {}))).code).toBe("PLUGIN_NOT_LOADED");
    expect(logger.records.some((r) => r.msg === "cleaned-up")).toBe(true);
  });

  it("refuses an entryPoint outside the plugin folder", async () => {
    const { host } = newHost();
    const spec = await writePlugin(root, { pluginId: "p_escape", source: echo });
    const error = await rejection(
      host.load({ ...spec, manifest: { ...spec.manifest, entryPoint: "../../etc/evil.mjs" } }),
    );
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
  });
});
