import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { archiveTools } from "@arcade/archive";
import { EventSubscriber, NodeRegistry, RedisEventBus } from "@arcade/bus";
import type { JobPayloads, JobType, PluginChangedEvent, StagedArtifact } from "@arcade/contracts";
import {
  type JobRecord,
  type JobServices,
  type Logger,
  resolveArchiveLimits,
  silentLogger,
  systemClock,
} from "@arcade/core";
import { createQueueConnection, JobProducer } from "@arcade/queue";
import { createLogger } from "@arcade/telemetry";
import type { Redis } from "ioredis";
import { createJobRunner, type JobRunner } from "../job-runner.js";
import { LocalJobFiles } from "../local-job-files.js";
import type { Backend, BackendResources } from "./backends.js";
import { FaultyPluginRepo } from "./faulty-plugin-repo.js";
import { FaultyObjectStore } from "./faulty-store.js";
import { jobRow } from "./job-row.js";

/** The queue's own record of a job (BullMQ's Job, as the producer's queue answers it). */
type QueueJob = NonNullable<Awaited<ReturnType<JobProducer["queue"]["getJob"]>>>;

export interface PipelineOptions {
  /** Attempts per job, the first included. Default 3. */
  attempts?: number;
  /** First retry delay. Default 50 ms. */
  backoffMs?: number;
  retainVersions?: number;
  /** runtime.allowed_host_paths of the platform under test. Default none. */
  allowedHostPaths?: string[];
  /** Worker instances (each its own connection), each with `concurrency` slots. Default 1 x 1. */
  workers?: number;
  concurrency?: number;
}

const redisUrl = process.env.ARCADE_TEST_REDIS_URL;

/** Why the pipeline suites cannot run against `backend` here, or undefined. */
export function skipReason(backend: Backend): string | undefined {
  return redisUrl ? backend.skip : "ARCADE_TEST_REDIS_URL is unset";
}

/** ARCADE_TEST_LOG=1 shows the worker's log; otherwise the suites are quiet. */
function testLogger(): Logger {
  return process.env.ARCADE_TEST_LOG === "1"
    ? createLogger({ name: "worker-test", level: "debug" })
    : silentLogger;
}

/**
 * The worker side of the platform, in process, on real services: a database
 * and object store from the backend, BullMQ on Redis under a prefix of its
 * own, the real event bus and node registry. Rows are created the way the API
 * creates them, uploads staged where the API stages them, then enqueued.
 */
export class Pipeline {
  readonly prefix = `wkt-${randomBytes(5).toString("hex")}`;
  readonly events: PluginChangedEvent[] = [];
  readonly store: FaultyObjectStore;
  readonly plugins: FaultyPluginRepo;
  readonly services: JobServices;
  /** The scratch files of the workers (the folder the leftover checks look in). */
  readonly files: LocalJobFiles;
  readonly producer: JobProducer;
  readonly workers: JobRunner[] = [];
  private readonly connections: Redis[] = [];
  private readonly bus: RedisEventBus;
  private readonly registry: NodeRegistry;
  private readonly subscriber: EventSubscriber;
  private readonly running: Promise<void>[] = [];

  private constructor(
    readonly resources: BackendResources,
    private readonly options: PipelineOptions,
  ) {
    const logger = testLogger();
    this.store = new FaultyObjectStore(resources.store);
    this.plugins = new FaultyPluginRepo(resources.database.plugins);
    this.bus = new RedisEventBus({ redis: redisUrl!, prefix: this.prefix });
    this.registry = new NodeRegistry({ redis: redisUrl!, prefix: this.prefix, logger });
    this.subscriber = new EventSubscriber({
      redis: redisUrl!,
      prefix: this.prefix,
      logger,
      onEvent: (event) => {
        this.events.push(event);
      },
    });
    this.files = new LocalJobFiles(join(resources.dir, "work"));
    this.services = {
      plugins: this.plugins,
      jobs: resources.database.jobs,
      store: this.store,
      archives: archiveTools,
      events: this.bus,
      convergence: this.registry,
      market: null,
      clock: systemClock,
      logger,
      files: this.files,
      settings: {
        retainVersions: options.retainVersions ?? 3,
        archiveLimits: resolveArchiveLimits({}),
        maxPluginSize: 50 * 1024 * 1024,
        convergenceTimeoutMs: 100,
        allowedHostPaths: options.allowedHostPaths ?? [],
      },
    };
    this.producer = new JobProducer({
      connection: this.connection(),
      prefix: this.prefix,
      defaults: { attempts: options.attempts ?? 3, backoffMs: options.backoffMs ?? 50 },
    });
  }

  static async start(backend: Backend, options: PipelineOptions = {}): Promise<Pipeline> {
    const pipeline = new Pipeline(await backend.open(), options);
    await pipeline.subscriber.start();
    for (let i = 0; i < (options.workers ?? 1); i++) pipeline.startWorker();
    return pipeline;
  }

  /** One more worker on its own connection (as another process would have). */
  startWorker(): JobRunner {
    const worker = createJobRunner({
      services: this.services,
      connection: this.connection(),
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 1,
      logger: this.services.logger,
    });
    this.workers.push(worker);
    this.running.push(worker.run());
    return worker;
  }

  get database() {
    return this.resources.database;
  }

  /** Stages an upload under `staging/{jobId}` in the real store, as the API does. */
  async stage(jobId: string, body: Buffer, extra: Partial<StagedArtifact> = {}): Promise<StagedArtifact> {
    const key = `staging/${jobId}`;
    const put = await this.resources.store.put(key, Readable.from([body]));
    return { key, size: put.size, sha256: put.sha256, kind: "zip", fileName: "plugin.zip", ...extra };
  }

  /** Writes the job row (state queued) as the API does, then enqueues the job. */
  async submit<T extends JobType>(
    type: T,
    payload: JobPayloads[T],
    options: {
      jobId?: string;
      pluginId?: string | null;
      lockKey?: string | null;
      enqueue?: boolean;
      createdAt?: Date;
      /** What the row records instead of `payload` (a row written by hand); the queue is the same. */
      payload?: Record<string, unknown>;
    } = {},
  ): Promise<string> {
    const jobId = options.jobId ?? randomUUID();
    const overrides: Partial<JobRecord> = {};
    if (options.pluginId !== undefined) overrides.pluginId = options.pluginId;
    if (options.lockKey !== undefined) overrides.lockKey = options.lockKey;
    if (options.createdAt !== undefined) overrides.createdAt = options.createdAt;
    if (options.payload !== undefined) overrides.payload = options.payload;
    await this.database.jobs.create(jobRow(jobId, type, payload, overrides));
    if (options.enqueue !== false) await this.producer.enqueue({ jobId, type });
    return jobId;
  }

  /** Stages `zip` and submits an install of it; answers the finished job. */
  async install(zip: Buffer, staged: Partial<StagedArtifact> = {}): Promise<JobRecord> {
    const jobId = randomUUID();
    const artifact = { source: "local" as const, staged: await this.stage(jobId, zip, staged) };
    await this.submit("install", { requestedBy: "worker-tests", artifact }, { jobId });
    return this.finished(jobId);
  }

  async update(
    pluginId: string,
    zip: Buffer,
    extra: { allowDowngrade?: boolean; staged?: Partial<StagedArtifact> } = {},
  ): Promise<JobRecord> {
    const jobId = randomUUID();
    const artifact = { source: "local" as const, staged: await this.stage(jobId, zip, extra.staged) };
    const payload: JobPayloads["update"] = { requestedBy: "worker-tests", pluginId, artifact };
    if (extra.allowDowngrade !== undefined) payload.allowDowngrade = extra.allowDowngrade;
    await this.submit("update", payload, { jobId });
    return this.finished(jobId);
  }

  /** Submits a state job (enable, disable, configure, rollback, uninstall) and waits for it. */
  async apply<T extends Exclude<JobType, "install" | "update">>(
    type: T,
    payload: Omit<JobPayloads[T], "requestedBy">,
  ): Promise<JobRecord> {
    const jobId = await this.submit(type, { requestedBy: "worker-tests", ...payload } as JobPayloads[T]);
    return this.finished(jobId);
  }

  /** Polls the job row until it has succeeded or failed. */
  async finished(jobId: string, timeoutMs = 30_000): Promise<JobRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const op = await this.database.jobs.get(jobId);
      if (op && (op.state === "succeeded" || op.state === "failed")) return op;
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(op)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The BullMQ job once the queue has settled it (completed or failed). */
  async settledJob(jobId: string, timeoutMs = 10_000): Promise<QueueJob> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.producer.queue.getJob(jobId);
      if (job?.finishedOn) return job;
      if (Date.now() > deadline) throw new Error(`queue job ${jobId} did not settle`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Keys under `prefix` in the real store, sorted. */
  async objects(prefix: string): Promise<string[]> {
    return (await this.resources.store.list(prefix)).map((o) => o.key).sort();
  }

  eventsOf(jobId: string): PluginChangedEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.allSettled(this.running);
    await this.producer.queue.obliterate({ force: true }).catch(() => {});
    await this.producer.close();
    await this.subscriber.stop();
    await this.bus.close();
    await this.registry.close();
    for (const c of this.connections) c.disconnect();
    await this.resources.dispose();
  }

  private connection(): Redis {
    const connection = createQueueConnection(redisUrl!);
    connection.on("error", () => {});
    this.connections.push(connection);
    return connection;
  }
}
