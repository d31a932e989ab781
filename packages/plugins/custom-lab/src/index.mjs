// @ts-check
// A plugin that does harm on request, so the platform can prove its sandbox:
// every action below except `execute`, `slow` and `env` is meant to hurt the
// thread it runs in. Never invoke loop/leak/exit in-process (the SDK harness):
// they would take the test runner down with them.

/**
 * @typedef {{ initMode: "ok" | "throw" | "hang", label?: string }} Config
 * @typedef {import("@arcade/sdk").PluginContext<Config>} Ctx
 */

/** @type {import("@arcade/sdk").PluginDefinition<"custom", Config>} */
export default {
  async init(ctx) {
    if (ctx.config.initMode === "throw") {
      throw new Error("custom-lab init failed on purpose (initMode=throw)");
    }
    if (ctx.config.initMode === "hang") {
      // Never settles: the loader's timeout has to give up on it.
      await new Promise(() => {});
    }
    ctx.logger.info("custom-lab ready", { version: ctx.version });
  },
  actions: {
    async execute(params, ctx) {
      return { params, version: ctx.version, pluginId: ctx.pluginId, config: ctx.config };
    },
    /** @param {{ ms: number }} params */
    async slow(params) {
      await new Promise((resolve) => setTimeout(resolve, params.ms));
      return { sleptMs: params.ms };
    },
    /** @param {{ message?: string }} params */
    async fail(params) {
      throw new Error(params.message ?? "custom-lab failed on purpose");
    },
    async loop() {
      // Blocks the thread: nothing but terminating it ends this.
      for (;;) {}
    },
    async leak() {
      // JS arrays live on the V8 heap (Buffers would not), so this reaches the heap limit.
      /** @type {number[][]} */
      const hoard = [];
      for (;;) hoard.push(new Array(1_000_000).fill(hoard.length + 0.5));
    },
    /** @param {{ code?: number }} params */
    async exit(params) {
      process.exit(params.code ?? 1);
    },
    async env() {
      return Object.keys(process.env).sort();
    },
  },
  async cleanup() {},
};
