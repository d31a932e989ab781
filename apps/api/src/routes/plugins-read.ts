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

/**
 * `?name=`: the one plugin of exactly that name (names are unique), byte for byte: scripts look a
 * plugin up by name, and `q` also matches other plugins' names and descriptions. The other
 * filters still apply, on top.
 */
async function listByName(
  deps: ApiDeps,
  name: string,
  filter: Parameters<ApiDeps["plugins"]["list"]>[0] & { page: number },
): Promise<{ items: PluginRecord[]; total: number }> {
  // The database may compare names case-insensitively (MySQL collations): check the bytes here.
  const found = await deps.plugins.findByName(name);
  const q = filter.q?.toLowerCase();
  const matches =
    found !== null &&
    found.name === name &&
    (filter.pluginType === undefined || found.pluginType === filter.pluginType) &&
    (filter.status === undefined || found.isEnabled === filter.status) &&
    (filter.source === undefined || found.source === filter.source) &&
    (q === undefined ||
      [found.name, found.description, found.author].some((v) => (v ?? "").toLowerCase().includes(q)));
  if (!matches) return { items: [], total: 0 };
  return { items: filter.page === 1 ? [found] : [], total: 1 };
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
    const name = query.text("name", 200);
    query.done();
    const { items, total } =
      name === undefined ? await deps.plugins.list(filter) : await listByName(deps, name, filter);
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
