import { PLUGIN_TYPES } from "@arcade/contracts";
import { AppError, isPluginId, type PluginRecord } from "@arcade/core";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { QueryReader } from "../http/query.js";
import { pluginView, versionView } from "../views/plugin-view.js";

export async function findPluginOr404(deps: ApiDeps, pluginId: string): Promise<PluginRecord> {
  const plugin = isPluginId(pluginId) ? await deps.plugins.findById(pluginId) : null;
  if (!plugin) {
    throw new AppError("PLUGIN_NOT_FOUND", `no plugin with id ${pluginId.slice(0, 100)}`, {
      detail: "List plugins with GET /api/v1/plugins.",
    });
  }
  return plugin;
}

export function pluginReadRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const viewer = requireRole("viewer");

  app.get("/", viewer, async (c) => {
    const query = new QueryReader(c.req.query());
    const status = query.oneOf("status", ["0", "1", "2"]) ?? query.oneOf("isEnabled", ["0", "1", "2"]);
    const filter = {
      pluginType: query.oneOf("pluginType", PLUGIN_TYPES),
      source: query.oneOf("source", ["local", "market"] as const),
      q: query.text("q", 200),
      page: query.int("page", 1, 1, 1_000_000),
      pageSize: query.int("pageSize", 20, 1, 200),
      ...(status !== undefined ? { status: Number(status) as 0 | 1 | 2 } : {}),
    };
    query.done();
    const { items, total } = await deps.plugins.list(filter);
    return c.json({
      items: items.map((p) => pluginView(p)),
      total,
      page: filter.page,
      pageSize: filter.pageSize,
    });
  });

  app.get("/:pluginId", viewer, async (c) => {
    const plugin = await findPluginOr404(deps, c.req.param("pluginId"));
    const nodes = deps.cluster
      ? (await deps.cluster.listNodes().catch(() => [])).flatMap((n) =>
          n.plugins.filter((p) => p.pluginId === plugin.pluginId).map((p) => ({ ...p, nodeId: n.nodeId })),
        )
      : [];
    return c.json(pluginView(plugin, nodes));
  });

  app.get("/:pluginId/versions", viewer, async (c) => {
    const plugin = await findPluginOr404(deps, c.req.param("pluginId"));
    const versions = await deps.plugins.versions(plugin.pluginId);
    return c.json({
      items: versions.map((v) => versionView(v, plugin.version)),
      total: versions.length,
      page: 1,
      pageSize: versions.length,
    });
  });

  app.get("/:pluginId/config", viewer, async (c) => {
    const plugin = await findPluginOr404(deps, c.req.param("pluginId"));
    return c.json((await deps.plugins.getConfig(plugin.pluginId)) ?? plugin.defaultConfig ?? {});
  });

  return app;
}
