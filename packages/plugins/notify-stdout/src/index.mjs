// @ts-check
// Self-contained on purpose: the platform loads this file in a worker thread
// with nothing installed beside it, so it imports no package at run time.
// The JSDoc types come from @arcade/sdk and cost nothing at run time.

/**
 * @typedef {{ prefix: string, json: boolean }} Config
 * @typedef {"info" | "warn" | "error"} Level
 * @typedef {{ message: string, title?: string, level?: Level }} SendParams
 * @typedef {{ template: string, data?: Record<string, unknown>, title?: string, level?: Level }} TemplateParams
 * @typedef {import("@arcade/sdk").PluginContext<Config>} Ctx
 */

/**
 * Replaces `{{name}}` and `{{a.b}}` placeholders. A placeholder without a value
 * is an error rather than an empty string: a half-filled notice misleads.
 * @param {string} template
 * @param {Record<string, unknown>} data
 */
function render(template, data) {
  /** @type {string[]} */
  const missing = [];
  const text = template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, key) => {
    /** @type {unknown} */
    let value = data;
    for (const part of String(key).split(".")) {
      value =
        value !== null && typeof value === "object"
          ? /** @type {Record<string, unknown>} */ (value)[part]
          : undefined;
    }
    if (value === undefined || value === null) {
      missing.push(key);
      return "";
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
  if (missing.length > 0) {
    throw new Error(`template variables without a value: ${missing.join(", ")}; pass them in "data"`);
  }
  return text;
}

/**
 * @param {SendParams} params
 * @param {Ctx} ctx
 */
async function send(params, ctx) {
  const level = params.level ?? "info";
  const { prefix, json } = ctx.config;
  const line = json
    ? JSON.stringify({ prefix, level, title: params.title, message: params.message, version: ctx.version })
    : `${prefix} ${level.toUpperCase()} ${params.title ? `${params.title}: ` : ""}${params.message}`;
  process.stdout.write(`${line}\n`);
  ctx.logger.info("notification printed", { level, title: params.title });
  return { delivered: true, line, version: ctx.version };
}

/** @type {import("@arcade/sdk").PluginDefinition<"notify", Config>} */
export default {
  async init(ctx) {
    ctx.logger.info("notify-stdout ready", { version: ctx.version, json: ctx.config.json });
  },
  actions: {
    send,
    /**
     * @param {TemplateParams} params
     * @param {Ctx} ctx
     */
    async sendTemplate(params, ctx) {
      const message = render(params.template, params.data ?? {});
      return send({ message, title: params.title, level: params.level }, ctx);
    },
  },
  async cleanup() {},
};
