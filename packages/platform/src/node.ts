import { join } from "node:path";
import { extractArchive } from "@arcade/archive";
import { EventSubscriber, NodeRegistry } from "@arcade/bus";
import type { ArcadeConfig } from "@arcade/config";
import type { Logger, PluginRepo } from "@arcade/core";
import { PluginHost, RuntimeNode } from "@arcade/runtime";
import { FsArtifactCache } from "@arcade/storage";
import { configOpener, configSecretCipher } from "./config-secrets.js";
import { hardenDataDir } from "./harden-data-dir.js";
import { archiveLimits, nodeObjectStore } from "./infrastructure.js";
import { signatureGate } from "./signature-gate.js";
import { PLATFORM_VERSION } from "./version.js";

/**
 * Embeds the plugin runtime in this process: config -> the host (sandboxes), the local artifact
 * cache, the node registry (heartbeats and acknowledgements) and the event subscription, handed
 * to RuntimeNode (@arcade/runtime), which wires them. The cache fetches artifacts through its own
 * object store, built with the read-only key (storage.s3_reader_*), never the process's shared one.
 */
export async function startRuntimeNode(options: {
  config: ArcadeConfig;
  logger: Logger;
  plugins: PluginRepo;
  url?: string;
}): Promise<RuntimeNode<NodeRegistry>> {
  const { config, logger } = options;
  const nodeId = config.node.id;
  const limits = archiveLimits(config);
  const host = new PluginHost({
    nodeId,
    logger: logger.child({ component: "plugin-host" }),
    loadTimeoutMs: config.plugin.loadTimeout,
    defaultActionTimeoutMs: config.plugin.actionTimeout,
    drainTimeoutMs: config.runtime.drainTimeout,
    // Twice the worker's wait for the freeze acknowledgements: a node never lets held calls go
    // on the old version while the worker may still decide to switch.
    holdTimeoutMs: 2 * config.node.convergenceTimeout,
    defaultMemoryMb: config.plugin.defaultMemoryMb,
    maxMemoryMb: config.plugin.maxMemoryMb,
    maxRestarts: config.runtime.maxRestarts,
    restartBackoffMs: config.runtime.restartBackoff,
    pluginDataDir: join(config.server.dataDir, "plugin-data"),
    allowedHostPaths: config.runtime.allowedHostPaths,
    sandbox: { pluginUid: config.runtime.pluginUid, pluginGid: config.runtime.pluginGid },
    warmSpare: config.runtime.warmSpare,
    // Config secrets are opened here, for the plugin's sandbox only.
    openConfig: configOpener(configSecretCipher(config)),
  });
  await hardenDataDir(config, logger.child({ component: "data-dir" }));
  // Fail loudly at start, not once per plugin: the plugin user, the bootstrap, the memory bound.
  await host.prepare().catch((error: unknown) => {
    logger.error({ err: error }, `plugin sandboxes cannot start here: ${(error as Error).message}`);
  });
  const cache = new FsArtifactCache({
    dir: config.plugin.localCacheDir,
    store: nodeObjectStore(config, logger.child({ component: "artifact-cache" })),
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
  return RuntimeNode.start({
    nodeId,
    version: PLATFORM_VERSION,
    ...(options.url ? { url: options.url } : {}),
    host,
    plugins: options.plugins,
    artifacts: cache,
    presence: registry,
    events: (handlers) =>
      new EventSubscriber({
        redis: config.redis.url,
        prefix: config.redis.keyPrefix,
        logger: logger.child({ component: "event-subscriber" }),
        clusterSecret: config.cluster.secret,
        ...handlers,
      }),
    // Before every load: the stored signature against this node's own trusted and revoked keys.
    admit: signatureGate(config.signature),
    reconcileIntervalMs: config.node.reconcileInterval,
    crashLoop: { maxCrashes: config.runtime.crashLoopMax, windowMs: config.runtime.crashLoopWindow },
    logger,
  });
}
