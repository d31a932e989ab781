import { hostname } from "node:os";
import { join } from "node:path";
import { extractArchive } from "@arcade/archive";
import { EventSubscriber, NodeRegistry } from "@arcade/bus";
import type { ArcadeConfig } from "@arcade/config";
import { PluginStatus } from "@arcade/contracts";
import { artifactKey, type Logger, type ObjectStore, type PluginRepo } from "@arcade/core";
import { type DesiredPlugin, PluginHost, Reconciler } from "@arcade/runtime";
import { FsArtifactCache } from "@arcade/storage";
import { hardenDataDir } from "./harden-data-dir.js";
import { archiveLimits } from "./infrastructure.js";
import { signatureGate } from "./signature-gate.js";
import { PLATFORM_VERSION } from "./version.js";

export interface RuntimeNode {
  nodeId: string;
  host: PluginHost;
  reconciler: Reconciler;
  registry: NodeRegistry;
  subscriber: EventSubscriber;
  stop(): Promise<void>;
}

/**
 * The enabled plugins at their current versions: what every node should have
 * loaded. Every event asks for it, so configs (and the signature stored with the
 * current version) are cached per plugin row: any
 * change of a plugin's config also moves its updateTime (configure, install,
 * update, rollback all set it), so one list query per event is enough.
 * Plugins adopted from a pre-refactor installation (`legacy`) are native `.so`
 * builds with no package to load: no node ever tries, until an update replaces them.
 */
export function desiredPluginsReader(plugins: PluginRepo): () => Promise<DesiredPlugin[]> {
  const configs = new Map<
    string,
    { stamp: string; config: Record<string, unknown> | null; signature: DesiredPlugin["signature"] }
  >();
  return async () => {
    const enabled = (await plugins.listAll()).filter(
      (p) => p.isEnabled !== PluginStatus.Disabled && !p.legacy,
    );
    const live = new Set(enabled.map((p) => p.pluginId));
    for (const id of configs.keys()) if (!live.has(id)) configs.delete(id);
    return Promise.all(
      enabled.map(async (p) => {
        const stamp = `${p.updateTime.getTime()}:${p.version}:${p.checksum}`;
        let cached = configs.get(p.pluginId);
        if (cached?.stamp !== stamp) {
          const [config, version] = await Promise.all([
            plugins.getConfig(p.pluginId),
            plugins.getVersion(p.pluginId, p.version),
          ]);
          // A version row without both fields counts as unsigned: the gate decides.
          const signature =
            version?.signature && version.signatureKeyId
              ? { keyId: version.signatureKeyId, signature: version.signature }
              : null;
          cached = { stamp, config, signature };
          configs.set(p.pluginId, cached);
        }
        return {
          pluginId: p.pluginId,
          version: p.version,
          checksum: p.checksum,
          objectKey: artifactKey(p.pluginId, p.version),
          manifest: p.manifest,
          config: cached.config,
          signature: cached.signature,
        };
      }),
    );
  };
}

/**
 * Embeds the plugin runtime in this process: the host (sandboxes), the
 * reconciler (desired state from the database, artifacts through the local
 * cache), the event subscription that says "look now", and the heartbeat.
 */
export async function startRuntimeNode(options: {
  config: ArcadeConfig;
  logger: Logger;
  plugins: PluginRepo;
  store: ObjectStore;
  url?: string;
}): Promise<RuntimeNode> {
  const { config, logger } = options;
  const nodeId = config.node.id;
  const limits = archiveLimits(config);
  const host = new PluginHost({
    nodeId,
    logger: logger.child({ component: "plugin-host" }),
    loadTimeoutMs: config.plugin.loadTimeout,
    defaultActionTimeoutMs: config.plugin.actionTimeout,
    drainTimeoutMs: config.runtime.drainTimeout,
    defaultMemoryMb: config.plugin.defaultMemoryMb,
    maxMemoryMb: config.plugin.maxMemoryMb,
    maxRestarts: config.runtime.maxRestarts,
    restartBackoffMs: config.runtime.restartBackoff,
    pluginDataDir: join(config.server.dataDir, "plugin-data"),
    allowedHostPaths: config.runtime.allowedHostPaths,
    sandbox: { pluginUid: config.runtime.pluginUid, pluginGid: config.runtime.pluginGid },
    warmSpare: config.runtime.warmSpare,
  });
  await hardenDataDir(config, logger.child({ component: "data-dir" }));
  // Fail loudly at start, not once per plugin: the plugin user, the bootstrap, the memory bound.
  await host.prepare().catch((error: unknown) => {
    logger.error({ err: error }, `plugin sandboxes cannot start here: ${(error as Error).message}`);
  });
  /** Data folders of plugins that are gone (uninstalled, perhaps while this node was down). */
  const sweepData = async () => {
    try {
      const installed = new Set((await options.plugins.listAll()).map((p) => p.pluginId));
      await host.sweepData(installed);
    } catch (error) {
      logger.warn({ err: error }, "sweeping plugin data folders failed");
    }
  };
  const cache = new FsArtifactCache({
    dir: config.plugin.localCacheDir,
    store: options.store,
    extract: async (zip, dir) => {
      await extractArchive(zip, dir, limits);
    },
    logger: logger.child({ component: "artifact-cache" }),
  });
  const registry = new NodeRegistry({
    redis: config.redis.url,
    prefix: config.redis.keyPrefix,
    heartbeatIntervalMs: config.node.heartbeatInterval,
    heartbeatTtlMs: config.node.heartbeatTtl,
    logger: logger.child({ component: "node-registry" }),
    clusterSecret: config.cluster.secret,
  });
  const startedAt = new Date().toISOString();
  const heartbeatState = () => ({
    nodeId,
    host: hostname(),
    pid: process.pid,
    startedAt,
    appliedRevision: reconciler.appliedRevision ?? 0,
    plugins: host.snapshot(),
    version: PLATFORM_VERSION,
    ...(options.url ? { url: options.url } : {}),
  });
  const reconciler: Reconciler = new Reconciler({
    host,
    state: {
      desired: desiredPluginsReader(options.plugins),
      revision: () => options.plugins.currentRevision(),
    },
    artifacts: cache,
    // Before every load: the stored signature against this node's own trusted and revoked keys.
    admit: signatureGate(config.signature),
    logger: logger.child({ component: "reconciler" }),
    intervalMs: config.node.reconcileInterval,
    onChange: () => {
      registry.heartbeat(heartbeatState()).catch(() => {});
    },
  });
  const subscriber = new EventSubscriber({
    redis: config.redis.url,
    prefix: config.redis.keyPrefix,
    logger: logger.child({ component: "event-subscriber" }),
    clusterSecret: config.cluster.secret,
    onEvent: (event) => {
      reconciler
        .applyEvent(event)
        .then(() => (event.op === "uninstall" ? sweepData() : undefined))
        .catch((error: unknown) => logger.warn({ err: error }, "applying an event failed"));
    },
    onReconnect: () => {
      reconciler
        .onReconnect()
        .catch((error: unknown) => logger.warn({ err: error }, "reconcile after reconnect failed"));
    },
  });
  // Subscribe before the first reconcile, so no change can fall between the two.
  await subscriber.start().catch((error: unknown) => {
    logger.warn({ err: error }, "event subscription not up yet; the timer reconcile covers until it is");
  });
  await reconciler.start();
  await sweepData();
  await registry.start(heartbeatState);
  return {
    nodeId,
    host,
    reconciler,
    registry,
    subscriber,
    async stop() {
      await subscriber.stop().catch(() => {});
      await reconciler.stop();
      await registry.stop().catch(() => {});
      await registry.close().catch(() => {});
      await host.stopAll();
    },
  };
}
