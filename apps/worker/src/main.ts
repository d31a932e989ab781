import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { archiveTools } from "@arcade/archive";
import { NodeRegistry, RedisEventBus, RedisJobEventSink } from "@arcade/bus";
import { describeConfig } from "@arcade/config";
import {
  checkForUpdates,
  type JobServices,
  SignaturePolicy,
  submitJob,
  systemClock,
  UPDATE_CHECKER,
} from "@arcade/core";
import { MarketClient } from "@arcade/market";
import {
  archiveLimits,
  configuredObjectStore,
  loadConfigOrExit,
  onShutdown,
  openConfiguredDatabase,
  PLATFORM_VERSION,
} from "@arcade/platform";
import {
  checkRedisAuth,
  createQueueConnection,
  JobProducer,
  RedisUnauthenticatedError,
  UpdateCheckScheduler,
} from "@arcade/queue";
import { createLogger, createMetrics } from "@arcade/telemetry";
import { observeJobMetrics } from "./job-metrics.js";
import { createJobRunner } from "./job-runner.js";
import { LocalJobFiles } from "./local-job-files.js";
import { type MetricsServer, startMetricsServer } from "./metrics-server.js";
import { sweepScratch } from "./scratch-sweep.js";

const PRUNE_EVERY_MS = 3600_000;
/** How often unfinished jobs whose queue job has ended, and scratch folders of finished jobs, are looked for. */
const RECOVER_EVERY_MS = 5000;

/** Composition root of a worker process: carries out the jobs of the plugin-ops queue. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: "worker", level: config.log.level, nodeId: config.node.id });
  for (const warning of config.warnings) logger.warn(warning);
  logger.info({ config: describeConfig(config) }, "starting");
  // Issue 13: no start on a Redis anyone may use (unless redis.allow_unauthenticated); signed events.
  await checkRedisAuth({
    url: config.redis.url,
    allowUnauthenticated: config.redis.allowUnauthenticated,
    logger,
  });
  if (config.cluster.secret === "") {
    logger.warn("cluster.secret is not set: the reload events this worker publishes are not signed");
  }

  const database = await openConfiguredDatabase(config, logger);
  const store = configuredObjectStore(config);
  const events = new RedisEventBus({
    redis: config.redis.url,
    prefix: config.redis.keyPrefix,
    clusterSecret: config.cluster.secret,
  });
  const registry = new NodeRegistry({
    redis: config.redis.url,
    prefix: config.redis.keyPrefix,
    logger,
    clusterSecret: config.cluster.secret,
  });
  const market = config.plugin.enableMarket
    ? new MarketClient({
        baseUrl: config.plugin.marketApi,
        platformVersion: PLATFORM_VERSION,
        maxSize: config.plugin.maxPluginSize,
        requestTimeoutMs: config.market.requestTimeout,
        ...(config.market.token ? { token: config.market.token } : {}),
        logger: logger.child({ component: "market" }),
      })
    : null;
  const files = new LocalJobFiles(join(config.server.dataDir, "tmp", "worker"));
  // Live job events for GET /jobs/{jobId}/events and ?wait: one Redis stream per job.
  const jobEvents = new RedisJobEventSink({
    redis: config.redis.url,
    prefix: config.redis.keyPrefix,
    logger,
  });
  const services: JobServices = {
    plugins: database.plugins,
    jobs: database.jobs,
    store,
    archives: archiveTools,
    events,
    jobEvents,
    convergence: registry,
    nodes: registry,
    rolloutCommands: database.rolloutCommands,
    market: market,
    signatures: new SignaturePolicy(config.signature),
    clock: systemClock,
    logger,
    files,
    settings: {
      retainVersions: config.plugin.retainVersions,
      archiveLimits: archiveLimits(config),
      maxPluginSize: config.plugin.maxPluginSize,
      convergenceTimeoutMs: config.node.convergenceTimeout,
      platformVersion: PLATFORM_VERSION,
      allowedHostPaths: config.runtime.allowedHostPaths,
      rollout: {
        defaultStrategy: config.rollout.defaultStrategy,
        abortOn: {
          errorRate: config.rollout.abortOnErrorRate,
          crashes: config.rollout.abortOnCrashes,
          p99Ratio: config.rollout.abortOnP99Ratio,
          minCalls: config.rollout.abortOnMinCalls,
        },
      },
    },
  };
  const connection = createQueueConnection(config.redis.url);
  const worker = createJobRunner({
    services,
    connection,
    prefix: config.redis.keyPrefix,
    concurrency: config.worker.concurrency,
    lockDurationMs: config.worker.lockDuration,
    logger,
  });

  const metrics = createMetrics({});
  observeJobMetrics({ worker: worker.worker, jobs: database.jobs, metrics, logger });
  // Its own port (worker.metrics_port; 0: none): the worker has no HTTP API to share one with.
  let metricsServer: MetricsServer | null = null;
  if (config.worker.metricsPort > 0) {
    metricsServer = await startMetricsServer({
      host: config.server.host,
      port: config.worker.metricsPort,
      registry: metrics.registry,
      readiness: [
        { name: "database", check: () => database.plugins.ping() },
        { name: "redis", check: () => connection.ping() },
        { name: "objectStore", check: () => store.ping() },
      ],
    });
    logger.info({ url: metricsServer.url }, "metrics, health and readiness listening");
  }

  const updates = market && config.plugin.autoCheckUpdate ? startUpdateChecks() : null;
  function startUpdateChecks(): UpdateCheckScheduler {
    const producer = new JobProducer({
      connection,
      prefix: config.redis.keyPrefix,
      defaults: { attempts: config.worker.attempts, backoffMs: config.worker.backoffMs },
    });
    const scheduler = new UpdateCheckScheduler({
      connection,
      prefix: config.redis.keyPrefix,
      everyMs: config.plugin.updateCheckInterval,
      logger: logger.child({ component: "update-check" }),
      run: () =>
        checkForUpdates({
          plugins: database.plugins,
          market: market!,
          autoUpdate: config.plugin.autoUpdate,
          logger,
          enqueueUpdate: async (plugin, payload) => {
            await submitJob(
              { jobs: database.jobs, queue: producer, clock: systemClock },
              {
                jobId: randomUUID(),
                type: "update",
                pluginId: plugin.pluginId,
                payload,
                requestedBy: UPDATE_CHECKER,
                idempotencyKey: `${UPDATE_CHECKER}:${plugin.pluginId}:${payload.artifact.source === "market" ? payload.artifact.version : ""}`,
              },
            );
          },
        }),
    });
    scheduler.start().catch((error: unknown) => logger.warn({ err: error }, "update checks could not start"));
    return scheduler;
  }

  // Jobs given up on while the database or the object store was down, and scratch copies a
  // killed worker left behind: finished here once everything answers again.
  let recovering = false;
  const recover = async () => {
    if (recovering) return;
    recovering = true;
    try {
      await worker.recovery.sweep();
      await sweepScratch(files.workDir, database.jobs);
    } catch (error) {
      logger.debug({ err: error }, "recovery pass did not finish; trying again later");
    } finally {
      recovering = false;
    }
  };
  const recovery = setInterval(() => void recover(), RECOVER_EVERY_MS);
  recovery.unref();
  void recover();

  const prune = setInterval(() => {
    const cutoff = new Date(Date.now() - config.worker.jobRetentionDays * 24 * 3600 * 1000);
    database.jobs.prune(cutoff).catch((error: unknown) => logger.warn({ err: error }, "pruning jobs failed"));
  }, PRUNE_EVERY_MS);
  prune.unref();

  onShutdown(logger, config.worker.shutdownTimeout, async () => {
    clearInterval(prune);
    clearInterval(recovery);
    await updates?.close().catch(() => {});
    // Finishes the active jobs; past the shutdown timeout the process exits and
    // BullMQ hands the unfinished job to another worker once its lock expires.
    await worker.close();
    // Answers probes while the active jobs finish; closed once they have.
    await metricsServer?.close();
    await registry.close().catch(() => {});
    await events.close().catch(() => {});
    await jobEvents.close().catch(() => {});
    connection.disconnect();
    await database.close();
  });

  worker.run().catch((error: unknown) => {
    logger.error(
      { err: error },
      "the queue worker stopped unexpectedly; exiting so a supervisor restarts it",
    );
    process.exit(1);
  });
  logger.info({ concurrency: config.worker.concurrency }, "worker ready");
}

main().catch((error: unknown) => {
  if (error instanceof RedisUnauthenticatedError) {
    process.stderr.write(`arcade worker: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`arcade worker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
