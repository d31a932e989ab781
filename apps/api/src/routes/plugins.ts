import {
  disablePlugin,
  enablePlugin,
  getPlugin,
  getPluginConfig,
  installPlugin,
  invokeAction,
  listPlugins,
  listPluginVersions,
  loadedPlugins,
  rollbackPlugin,
  setPluginConfig,
  uninstallPlugin,
  updatePlugin,
  validateManifest,
} from "@arcade/contracts";
import type { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { ContractRouter } from "../http/contract-router.js";
import { nodeHandlers } from "./plugin-actions.js";
import { pluginReadHandlers } from "./plugins-read.js";
import { pluginWriteHandlers } from "./plugins-write.js";
import { validateManifestHandler } from "./validate-manifest.js";

/**
 * Every /api/v1/plugins route, in one router. Static paths come first: the router tries
 * routes in the order they were added, and `/install` must not be read as a plugin id.
 */
export function pluginRoutes(deps: ApiDeps): Hono {
  const read = pluginReadHandlers(deps);
  const write = pluginWriteHandlers(deps);
  const node = nodeHandlers(deps);
  return new ContractRouter("/api/v1/plugins", deps.limits)
    .on(listPlugins, read.list)
    .on(installPlugin, write.install)
    .on(loadedPlugins, node.loaded)
    .on(validateManifest, validateManifestHandler(deps))
    .on(getPlugin, read.get)
    .on(updatePlugin, write.update)
    .on(uninstallPlugin, write.uninstall, { beforeBody: [write.stateHead("uninstall")] })
    .on(enablePlugin, write.enable, { beforeBody: [write.stateHead("enable")] })
    .on(disablePlugin, write.disable, { beforeBody: [write.stateHead("disable")] })
    .on(getPluginConfig, read.config)
    .on(setPluginConfig, write.configure, { beforeBody: [write.stateHead("configure")] })
    .on(listPluginVersions, read.versions)
    .on(rollbackPlugin, write.rollback, { beforeBody: [write.stateHead("rollback")] })
    .on(invokeAction, node.invoke).app;
}
