// @ts-check
// Self-contained on purpose: the platform loads this file in a sandbox with nothing installed
// beside it, so it imports no package at run time (the JSDoc types cost nothing).
//
// The manifest lists notify-stdout ^1.0.0 under `dependencies`: the platform installs, updates
// and enables this plugin only while a matching notify-stdout is installed and enabled, and a
// disable or uninstall of notify-stdout must cascade to it (the dependent goes first).

/**
 * @typedef {{ project: string }} Config
 * @typedef {{ build: number, status: "passed" | "failed" | "cancelled", branch?: string }} ExecuteParams
 * @typedef {import("@arcade/sdk").PluginContext<Config>} Ctx
 */

/** notify-stdout's level for each status: a failed build is an error, a cancelled one a warning. */
const LEVELS = { passed: "info", failed: "error", cancelled: "warn" };

/** @type {import("@arcade/sdk").PluginDefinition<"custom", Config>} */
export default {
  async init(ctx) {
    ctx.logger.info("build-announcer ready", { project: ctx.config.project });
  },
  actions: {
    /**
     * The announcement for one build, shaped as notify-stdout's `send` params.
     * @param {ExecuteParams} params
     * @param {Ctx} ctx
     */
    async execute(params, ctx) {
      const where = params.branch ? ` on ${params.branch}` : "";
      return {
        send: {
          title: ctx.config.project,
          message: `build ${params.build}${where} ${params.status}`,
          level: LEVELS[params.status],
        },
        version: ctx.version,
      };
    },
  },
  async cleanup() {},
};
