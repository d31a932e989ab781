import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Manifest, PluginStatus } from "@arcade/contracts";
import {
  AppError,
  DEFAULT_ARCHIVE_LIMITS,
  newPluginId,
  newPluginRecord,
  type PluginRecord,
  type PluginRepo,
  silentLogger,
  systemClock,
} from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import { createQueueConnection, JobProducer } from "@arcade/queue";
import type { SecretCipher } from "@arcade/secrets";
import { FsObjectStore } from "@arcade/storage";
import type { Hono } from "hono";
import { describe } from "vitest";
import { createApp } from "../app.js";
import type { ApiDeps, ClusterView, NodeApi } from "../deps.js";
import { testAuth } from "./test-tokens.js";

/** Set by infra/scripts/test.sh; the API integration suites skip (saying why) without it. */
export const TEST_REDIS_URL = process.env.ARCADE_TEST_REDIS_URL ?? "";
export const SKIP_REASON = TEST_REDIS_URL
  ? ""
  : "ARCADE_TEST_REDIS_URL is not set: run through infra/scripts/test.sh (or start redis and export it)";

/** describe() for suites that need the test Redis; without it they skip and say why, in the name and on stderr. */
export function describeWithRedis(name: string, body: () => void): void {
  if (SKIP_REASON) {
    process.stderr.write(`[apps/api] skipping "${name}": ${SKIP_REASON}\n`);
    // Skipped only when run outside the test command (no Redis): `npm test` always sets the
    // variable, so CI runs these; the reason is in the suite's name and on stderr. Inside the
    // test command a skip would fail the run anyway (test/skipped-tests.json lists none).
    describe.skip(`${name} (skipped: ${SKIP_REASON})`, body);
    return;
  }
  describe(name, body);
}

export interface TestAppOptions {
  maxPluginSize?: number;
  jsonBodyBytes?: number;
  rateLimitPerMinute?: number;
  /** Point the producer somewhere else (a closed port, to play "Redis is down"). */
  redisUrl?: string;
  enqueueTimeoutMs?: number;
  /** Runs on the fresh database before its migrations (e.g. to build a pre-refactor installation). */
  beforeMigrate?: (db: Database) => Promise<void>;
  /** The keyring of config secrets (default none: secrets masked, stored in clear). */
  secrets?: SecretCipher;
}

export interface TestApp {
  app: Hono;
  deps: ApiDeps;
  db: Database;
  store: FsObjectStore;
  producer: JobProducer;
  dir: string;
  /** Keys under staging/ as the store lists them, plus any stray file (temp files included) on disk. */
  stagingLeftovers(): Promise<string[]>;
  /** Files left in the validate-manifest scratch folder. */
  scratchLeftovers(): Promise<string[]>;
  insertPlugin(
    input?: Partial<Manifest> & { status?: PluginStatus; source?: "local" | "market" },
  ): Promise<PluginRecord>;
  close(): Promise<void>;
}

/**
 * Stand-in for the runtime node and the node registry: the real ones need
 * worker threads and heartbeats, which these HTTP-level tests do not exercise.
 * Like the real PluginHost, it has "loaded" exactly the enabled plugins and
 * answers PLUGIN_NOT_LOADED for any other id.
 */
export function fakeNode(plugins: PluginRepo): NodeApi {
  return {
    nodeId: "test-node",
    async invoke(pluginId, action, params) {
      const plugin = await plugins.findById(pluginId);
      if (plugin?.isEnabled !== 1) {
        throw new AppError("PLUGIN_NOT_LOADED", `plugin ${pluginId} is not loaded on node test-node`);
      }
      if (action === "missing") throw new AppError("ACTION_NOT_FOUND", `no action ${action}`);
      return { result: { echoed: params, action, pluginId }, version: plugin.version };
    },
    metrics: () => [{ name: "fake", type: "custom", version: "1.0.0", path: "/x", description: "" }],
  };
}

export const fakeCluster: ClusterView = {
  async listNodes() {
    return [{ nodeId: "test-node", appliedRevision: 1, plugins: [] }];
  },
};

/**
 * The real app over real adapters: a temp SQLite file, an FsObjectStore in a
 * temp folder, and the real JobProducer on the test Redis under a prefix of its
 * own. No worker runs, so every job stays `queued`.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), "arcade-api-"));
  const db = await openDatabase({ type: "sqlite", path: join(dir, "arcade.db") });
  await options.beforeMigrate?.(db);
  await db.migrate();
  const store = new FsObjectStore({ root: join(dir, "objects") });
  const workDir = join(dir, "work");
  await mkdir(workDir, { recursive: true });
  const prefix = `arcade-api-test-${randomBytes(4).toString("hex")}`;
  const connection = createQueueConnection(options.redisUrl ?? TEST_REDIS_URL, {
    // A closed port must fail fast rather than retry forever in the background.
    ...(options.redisUrl ? { retryStrategy: () => 200, connectTimeout: 500 } : {}),
  });
  connection.on("error", () => {});
  const producer = new JobProducer({
    connection,
    prefix,
    defaults: { attempts: 1, backoffMs: 100 },
    ...(options.enqueueTimeoutMs ? { enqueueTimeoutMs: options.enqueueTimeoutMs } : {}),
  });
  // BullMQ prints connection errors unless someone listens; the down-Redis suite expects them.
  producer.queue.on("error", () => {});
  const deps: ApiDeps = {
    logger: silentLogger,
    clock: systemClock,
    plugins: db.plugins,
    jobs: db.jobs,
    rolloutCommands: db.rolloutCommands,
    store,
    queue: producer,
    secrets: options.secrets ?? null,
    auth: testAuth(),
    limits: {
      maxPluginSize: options.maxPluginSize ?? 256 * 1024,
      jsonBodyBytes: options.jsonBodyBytes ?? 1024 * 1024,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      archiveLimits: { ...DEFAULT_ARCHIVE_LIMITS, maxCompressedBytes: options.maxPluginSize ?? 256 * 1024 },
      actionTimeoutMs: 5000,
    },
    workDir,
    readiness: [
      { name: "database", check: () => db.plugins.ping() },
      { name: "redis", check: () => producer.ping() },
      { name: "objectStore", check: () => store.ping() },
    ],
    node: fakeNode(db.plugins),
    cluster: fakeCluster,
    metricsText: async () => "# HELP arcade_test 1\n",
  };
  const app = createApp(deps);

  async function filesUnder(root: string): Promise<string[]> {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
  }

  return {
    app,
    deps,
    db,
    store,
    producer,
    dir,
    async stagingLeftovers() {
      const listed = (await store.list("staging/")).map((o) => o.key);
      const onDisk = (await filesUnder(join(store.root, "staging"))).map((f) => `disk:${f}`);
      return [...listed, ...onDisk];
    },
    scratchLeftovers: () => filesUnder(workDir),
    async insertPlugin(input = {}) {
      const { status = 1, source = "local", ...overrides } = input;
      const manifest: Manifest = {
        name: `plugin-${randomBytes(3).toString("hex")}`,
        version: "1.0.0",
        pluginType: "notify",
        entryPoint: "index.js",
        description: "a test plugin",
        author: "tests",
        ...overrides,
      } as Manifest;
      const record = newPluginRecord({
        pluginId: newPluginId(manifest.name),
        manifest,
        checksum: "c".repeat(64),
        source,
        marketId: null,
        now: new Date(),
        status,
      });
      await db.plugins.transaction(async (tx) => {
        await tx.insertPlugin(record);
        await tx.upsertVersion({
          pluginId: record.pluginId,
          version: record.version,
          checksum: record.checksum,
          objectKey: record.s3Path,
          size: 1234,
          manifest,
          createdAt: new Date(),
        });
      });
      return record;
    },
    async close() {
      if (options.redisUrl) {
        // Nothing to clean on a Redis that is not there; closing first keeps close() from waiting on it.
        connection.disconnect();
        await producer.close().catch(() => {});
      } else {
        await producer.close().catch(() => {});
        await deleteKeys(connection, prefix).catch(() => {});
        connection.disconnect();
      }
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function deleteKeys(client: ReturnType<typeof createQueueConnection>, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}
