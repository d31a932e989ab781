import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { join } from "node:path";
import { JobEventReader, NodeRegistry } from "@arcade/bus";
import { describeConfig } from "@arcade/config";
import { SignaturePolicy, systemClock } from "@arcade/core";
import {
  archiveLimits,
  configSecretCipher,
  configSecretsWarning,
  configuredObjectStore,
  loadConfigOrExit,
  onShutdown,
  openConfiguredDatabase,
  openNodeDatabase,
  PLATFORM_VERSION,
  startRuntimeNode,
} from "@arcade/platform";
import { checkRedisAuth, createQueueConnection, JobProducer, RedisUnauthenticatedError } from "@arcade/queue";
import { createLogger, createMetrics } from "@arcade/telemetry";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import type { NodeApi } from "./deps.js";
import { actionLabels, pruneActionSeries } from "./http/action-metrics.js";
import { createRateLimiterSet } from "./http/rate-limit.js";
import { applyServerLimits, type ServerLimits, serverOptions } from "./http/server-limits.js";

/** Composition root of the API process (which is also a runtime node). */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: "api", level: config.log.level, nodeId: config.node.id });
  for (const warning of config.warnings) logger.warn(warning);
  logger.info({ config: describeConfig(config) }, "starting");
  const metrics = createMetrics({});
  if (config.cluster.secret === "") {
    logger.warn(
      "cluster.secret is not set: reload events and heartbeats are not signed, so any Redis client can forge them (set ARCADE_CLUSTER_SECRET on every process)",
    );
  }
  const secrets = configSecretCipher(config);
  const secretsWarning = configSecretsWarning(secrets);
  if (secretsWarning) logger.warn(secretsWarning);
  await checkRedisAuth({
    url: config.redis.url,
    allowUnauthenticated: config.redis.allowUnauthenticated,
    logger,
  });

  const database = await openConfiguredDatabase(config, logger);
  // The runtime node reads the desired state as database.reader_user (SELECT only), when set.
  const nodeDatabase = config.node.runtimeEnabled ? await openNodeDatabase(config, logger) : null;
  // Upload staging writes with the shared key; the runtime node builds its own read-only store.
  const store = configuredObjectStore(config);
  const connection = createQueueConnection(config.redis.url);
  const producer = new JobProducer({
    connection,
    prefix: config.redis.keyPrefix,
    defaults: { attempts: config.worker.attempts, backoffMs: config.worker.backoffMs },
    retentionSeconds: config.worker.jobRetentionDays * 24 * 3600,
  });
  const url = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  const node = config.node.runtimeEnabled
    ? await startRuntimeNode({ config, logger, plugins: (nodeDatabase ?? database).plugins, url })
    : null;
  const cluster =
    node?.presence ??
    new NodeRegistry({
      redis: config.redis.url,
      prefix: config.redis.keyPrefix,
      logger,
      clusterSecret: config.cluster.secret,
    });
  // Its own connection, failing fast: while Redis is away each node counts in memory instead.
  const limiterConnection = createQueueConnection(config.redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: `${config.redis.keyPrefix}:rate-limits`,
  });
  limiterConnection.on("error", () => {});
  const rl = `${config.redis.keyPrefix}:rl`;
  const rateLimiters = createRateLimiterSet({
    redis: limiterConnection,
    address: { perMinute: config.server.rateLimitPerAddressPerMinute, keyPrefix: `${rl}:addr` },
    authFailures: { perMinute: config.server.rateLimitAuthFailuresPerMinute, keyPrefix: `${rl}:auth` },
    token: { perMinute: config.server.rateLimitPerMinute, keyPrefix: `${rl}:token` },
  });
  // Live job events (GET /jobs/{jobId}/events, ?wait): one blocking connection for every follower.
  const jobEvents = new JobEventReader({ redis: config.redis.url, prefix: config.redis.keyPrefix, logger });
  const workDir = join(config.server.dataDir, "tmp", "api");
  await mkdir(workDir, { recursive: true });

  const nodeApi: NodeApi | null = node
    ? {
        nodeId: node.nodeId,
        invoke: async (pluginId, action, params, options) => {
          const started = performance.now();
          // Taken before the call: labels only for a loaded plugin and an action it exports.
          const labels = actionLabels(node.host, pluginId, action);
          try {
            const out = await node.host.invoke(pluginId, action, params, options);
            metrics.pluginActionCallsTotal.inc({ ...labels, outcome: "ok" });
            return out;
          } catch (error) {
            const code = (error as { code?: string }).code;
            metrics.pluginActionCallsTotal.inc({
              ...labels,
              outcome: code === "ACTION_TIMEOUT" ? "timeout" : "error",
            });
            throw error;
          } finally {
            metrics.pluginActionDurationSeconds.observe(labels, (performance.now() - started) / 1000);
          }
        },
        metrics: () => node.host.list() as unknown as Record<string, unknown>[],
      }
    : null;

  const app = createApp({
    logger,
    clock: systemClock,
    plugins: database.plugins,
    jobs: database.jobs,
    rolloutCommands: database.rolloutCommands,
    store,
    queue: producer,
    secrets,
    auth: {
      disabled: config.auth.disabled,
      tokens: config.auth.tokens.map((t) => ({ name: t.name, role: t.role, sha256: t.tokenSha256 })),
    },
    limits: {
      maxPluginSize: config.plugin.maxPluginSize,
      jsonBodyBytes: config.server.bodyLimitJson,
      rateLimitPerMinute: config.server.rateLimitPerMinute,
      archiveLimits: archiveLimits(config),
      actionTimeoutMs: config.plugin.actionTimeout,
      allowedHostPaths: config.runtime.allowedHostPaths,
      requestTimeoutMs: config.server.requestTimeout,
      uploadTimeoutMs: config.server.uploadTimeout,
    },
    allowedHosts: config.server.allowedHosts,
    trustProxy: config.server.trustProxy,
    rateLimiters,
    workDir,
    readiness: [
      { name: "database", check: () => database.plugins.ping() },
      { name: "redis", check: () => producer.ping() },
      { name: "objectStore", check: () => store.ping() },
    ],
    node: nodeApi,
    cluster,
    platformVersion: PLATFORM_VERSION,
    defaultRolloutStrategy: config.rollout.defaultStrategy,
    signatures: new SignaturePolicy(config.signature),
    jobEvents,
    metricsText: async () => {
      if (node) {
        metrics.nodeAppliedRevision.set(node.reconciler.appliedRevision ?? 0);
        metrics.pluginsLoaded.reset();
        for (const p of node.host.list()) metrics.pluginsLoaded.inc({ state: String(p.state) });
        await pruneActionSeries(metrics, node.host);
      }
      return metrics.registry.metrics();
    },
    onRequest: ({ method, route, status, seconds }) => {
      const labels = { method, route, status: String(status) };
      metrics.httpRequestsTotal.inc(labels);
      metrics.httpRequestDurationSeconds.observe(labels, seconds);
    },
  });

  const limits: ServerLimits = {
    headersTimeoutMs: config.server.headersTimeout,
    requestTimeoutMs: config.server.requestTimeout,
    uploadTimeoutMs: config.server.uploadTimeout,
    keepAliveTimeoutMs: config.server.keepAliveTimeout,
    maxConnections: config.server.maxConnections,
  };
  const server = serve(
    {
      fetch: app.fetch,
      port: config.server.port,
      hostname: config.server.host,
      serverOptions: serverOptions(limits),
    },
    (info) => {
      logger.info({ url: `http://${info.address}:${info.port}`, nodeId: config.node.id }, "api listening");
    },
  );
  applyServerLimits(server as Server, limits);
  server.on("error", (error: NodeJS.ErrnoException) => {
    logger.error(
      { err: error },
      error.code === "EADDRINUSE"
        ? `port ${config.server.port} is taken: stop the other process or set ARCADE_SERVER_PORT`
        : "server error",
    );
    process.exit(1);
  });

  onShutdown(logger, config.worker.shutdownTimeout, async () => {
    // Ends the open event streams first: the server waits for its open requests to finish.
    await jobEvents.close().catch(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await node?.stop();
    if (!node) await cluster.close().catch(() => {});
    await producer.close().catch(() => {});
    connection.disconnect();
    limiterConnection.disconnect();
    await nodeDatabase?.close().catch(() => {});
    await database.close();
  });
}

main().catch((error: unknown) => {
  if (error instanceof RedisUnauthenticatedError) {
    process.stderr.write(`arcade api: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`arcade api failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
