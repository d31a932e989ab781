import { AppError, isPluginId } from "@arcade/core";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { asObject, readJsonBody } from "../http/json-body.js";

const ACTION_NAME = /^[A-Za-z_$][\w$]{0,99}$/;
const MAX_TIMEOUT_MS = 300_000;

/** Endpoints served by this process as a runtime node: invoke an action, list loaded plugins. */
export function nodeRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.get("/metrics", requireRole("viewer"), (c) => c.json(requireNode(deps).metrics()));

  app.post("/:pluginId/actions/:action", requireRole("operator"), async (c) => {
    const node = requireNode(deps);
    const pluginId = c.req.param("pluginId");
    const action = c.req.param("action");
    if (!isPluginId(pluginId))
      throw new AppError("PLUGIN_NOT_FOUND", `no plugin with id ${String(pluginId).slice(0, 100)}`);
    if (!ACTION_NAME.test(action))
      throw new AppError("ACTION_NOT_FOUND", `no action named ${action.slice(0, 100)}`);
    const body = asObject(await readJsonBody(c, deps.limits.jsonBodyBytes), "the body");
    const timeoutMs = body.timeoutMs ?? deps.limits.actionTimeoutMs;
    if (
      typeof timeoutMs !== "number" ||
      !Number.isInteger(timeoutMs) ||
      timeoutMs < 1 ||
      timeoutMs > MAX_TIMEOUT_MS
    ) {
      throw new AppError("VALIDATION_FAILED", "timeoutMs is out of range", {
        errors: [{ path: "/timeoutMs", message: `must be an integer from 1 to ${MAX_TIMEOUT_MS}` }],
      });
    }
    const started = performance.now();
    const { result, version } = await node
      .invoke(pluginId, action, body.params ?? {}, { timeoutMs })
      .catch((error: unknown) => notLoadedOrUnknown(deps, pluginId, error));
    return c.json({
      result,
      pluginId,
      version,
      node: node.nodeId,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  return app;
}

/**
 * The host only knows what it has loaded, so to it an unknown plugin and a
 * disabled one look alike (PLUGIN_NOT_LOADED). Only on that error path does
 * the database decide: no such plugin is 404, a known one stays 409.
 */
async function notLoadedOrUnknown(deps: ApiDeps, pluginId: string, error: unknown): Promise<never> {
  if (error instanceof AppError && error.code === "PLUGIN_NOT_LOADED") {
    const plugin = await deps.plugins.findById(pluginId).catch(() => undefined);
    if (plugin === null) throw new AppError("PLUGIN_NOT_FOUND", `no plugin with id ${pluginId}`);
  }
  throw error;
}

function requireNode(deps: ApiDeps) {
  if (!deps.node) {
    throw new AppError(
      "PLUGIN_NOT_LOADED",
      "this process does not run plugins (node.runtime_enabled = false)",
    );
  }
  return deps.node;
}
