import type { getPlugin, getPluginConfig, listPlugins, listPluginVersions } from "@arcade/contracts";
import { AppError, isPluginId, maskSecrets, type PluginRecord } from "@arcade/core";
import type { ApiDeps } from "../deps.js";
import type { RouteHandler } from "../http/contract-router.js";
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

/** GET /plugins, /plugins/{pluginId}, its versions and config. */
export function pluginReadHandlers(deps: ApiDeps) {
  const list: RouteHandler<typeof listPlugins> = async (c, { query }) => {
    const status = query.status ?? query.isEnabled;
    const filter = {
      pluginType: query.pluginType,
      source: query.source,
      q: query.q,
      page: query.page,
      pageSize: query.pageSize,
      ...(status !== undefined ? { status } : {}),
    };
    const { items, total } =
      query.name === undefined ? await deps.plugins.list(filter) : await listByName(deps, query.name, filter);
    return c.json({
      items: items.map((p) => pluginView(p)),
      total,
      page: filter.page,
      pageSize: filter.pageSize,
    });
  };

  const get: RouteHandler<typeof getPlugin> = async (c, { params }) => {
    const plugin = await findPluginOr404(deps, params.pluginId);
    const nodes = deps.cluster
      ? (await deps.cluster.listNodes().catch(() => [])).flatMap((n) =>
          n.plugins.filter((p) => p.pluginId === plugin.pluginId).map((p) => ({ ...p, nodeId: n.nodeId })),
        )
      : [];
    return c.json(pluginView(plugin, nodes));
  };

  const versions: RouteHandler<typeof listPluginVersions> = async (c, { params }) => {
    const plugin = await findPluginOr404(deps, params.pluginId);
    const all = await deps.plugins.versions(plugin.pluginId);
    return c.json({
      items: all.map((v) => versionView(v, plugin.version)),
      total: all.length,
      page: 1,
      pageSize: all.length,
    });
  };

  const config: RouteHandler<typeof getPluginConfig> = async (c, { params }) => {
    const plugin = await findPluginOr404(deps, params.pluginId);
    const config = (await deps.plugins.getConfig(plugin.pluginId)) ?? plugin.defaultConfig ?? {};
    // Secret fields (writeOnly / x-secret) are masked for every role: PUT takes the mask back.
    return c.json(maskSecrets(plugin.configSchema, config));
  };

  return { list, get, versions, config };
}
