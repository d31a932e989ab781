// @ts-check
// Self-contained on purpose: the platform loads this file in a worker thread
// with nothing installed beside it. Node 20's global fetch is all it needs.

/**
 * @typedef {{ url: string, headers?: Record<string, string>, timeoutMs?: number }} Config
 * @typedef {"info" | "warn" | "error"} Level
 * @typedef {{ message: string, title?: string, level?: Level }} SendParams
 * @typedef {{ template: string, data?: Record<string, unknown>, title?: string, level?: Level }} TemplateParams
 * @typedef {import("@arcade/sdk").PluginContext<Config>} Ctx
 */

const DEFAULT_TIMEOUT_MS = 5000;

/** A failed delivery that says what the webhook answered. */
class WebhookError extends Error {
  /**
   * @param {string} message
   * @param {number | null} status
   */
  constructor(message, status) {
    super(message);
    this.name = "WebhookError";
    this.status = status;
  }
}

/**
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
  // Defaults live here, not in defaultConfig: the platform checks defaultConfig
  // against the whole configSchema, and `url` (required) has no sensible default.
  const { url, headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS } = ctx.config;
  const body = { title: params.title ?? null, message: params.message, level: params.level ?? "info" };
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const err = /** @type {Error} */ (error);
    if (err.name === "TimeoutError") {
      throw new WebhookError(
        `webhook did not answer within ${timeoutMs} ms; raise timeoutMs or check ${url}`,
        null,
      );
    }
    throw new WebhookError(`webhook ${url} is unreachable: ${err.message}`, null);
  }
  // Drain the body so the connection can be reused; its content is not part of the answer.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) {
    throw new WebhookError(
      `webhook answered HTTP ${response.status} ${response.statusText}`.trim(),
      response.status,
    );
  }
  ctx.logger.info("webhook delivered", { status: response.status });
  return { delivered: true, status: response.status };
}

/** @type {import("@arcade/sdk").PluginDefinition<"notify", Config>} */
export default {
  async init(ctx) {
    ctx.logger.info("notify-webhook ready", { host: new URL(ctx.config.url).host });
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
