import type { invokeAction, loadedPlugins } from "@arcade/contracts";
import { AppError, isPluginId } from "@arcade/core";
import type { ApiDeps } from "../deps.js";
import type { RouteHandler } from "../http/contract-router.js";

const ACTION_NAME = /^[A-Za-z_$][\w$]{0,99}$/;

/** Endpoints served by this process as a runtime node: invoke an action, list loaded plugins. */
export function nodeHandlers(deps: ApiDeps) {
  const loaded: RouteHandler<typeof loadedPlugins> = (c) => c.json(requireNode(deps).metrics());

  const invoke: RouteHandler<typeof invokeAction> = async (c, { params, body }) => {
    const node = requireNode(deps);
    const { pluginId, action } = params;
    if (!isPluginId(pluginId))
      throw new AppError("PLUGIN_NOT_FOUND", `no plugin with id ${String(pluginId).slice(0, 100)}`);
    if (!ACTION_NAME.test(action))
      throw new AppError("ACTION_NOT_FOUND", `no action named ${action.slice(0, 100)}`);
    const timeoutMs = body.timeoutMs ?? deps.limits.actionTimeoutMs;
    const started = performance.now();
    // During an A/B split the node keeps a caller on one version by the header its rollout names.
    const header = (name: string) => c.req.header(name);
    const { result, version } = await node
      .invoke(pluginId, action, body.params ?? {}, { timeoutMs, header })
      .catch((error: unknown) => notLoadedOrUnknown(deps, pluginId, error));
    return c.json({
      result,
      pluginId,
      version,
      node: node.nodeId,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  };

  return { loaded, invoke };
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
