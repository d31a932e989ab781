import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobResource } from "@arcade/contracts";
import { freePort } from "./free-port.js";
import {
  authedFetch,
  type Fetcher,
  type JsonResponse,
  pollJob,
  sendJson,
  type UploadOptions,
  uploadPlugin,
} from "./http-client.js";
import { type ExitInfo, PlatformProcess } from "./platform-process.js";
import { acquireResources, type PlatformResources } from "./platform-resources.js";
import { API_ENTRY, WORKER_ENTRY } from "./repo-paths.js";
import {
  type DatabaseKind,
  missingServices,
  type S3Target,
  type StorageKind,
  serviceAddresses,
} from "./service-env.js";

export interface PlatformOptions {
  apis: number;
  workers: number;
  database: DatabaseKind;
  storage: StorageKind;
  /** storage "s3" on this server and key instead of the run's s3rver. */
  s3?: S3Target;
  /** Extra ARCADE_* (or other) variables for every process; win over the harness defaults. */
  env?: Record<string, string>;
  /** Extra variables for the API processes only (e.g. ARCADE_PLUGIN_MAX_PLUGIN_SIZE). */
  apiEnv?: Record<string, string>;
  /** Extra variables for the worker processes only (e.g. ARCADE_WORKER_LOCK_DURATION). */
  workerEnv?: Record<string, string>;
  /** Label in the run folder's name. */
  label?: string;
  /** Bound for each process to become ready (default 60 s). */
  readyTimeoutMs?: number;
}

interface ProcessControls {
  /** Index in platform.apis / platform.workers. */
  readonly index: number;
  /** ARCADE_NODE_ID of this process. */
  readonly nodeId: string;
  /** Pid of the running node process (the server itself); undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly logFile: string;
  /** How the last run ended; null while running. */
  readonly exitInfo: ExitInfo | null;
  /** Spawns a new process in this slot and waits until it is ready. `env` replaces earlier overrides. */
  start(options?: { env?: Record<string, string> }): Promise<void>;
  /** SIGTERM, SIGKILL after a bound; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits, bounded, for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Sends a signal without waiting for anything (SIGSTOP / SIGCONT to pause and resume). */
  signal(signal: NodeJS.Signals): void;
  /** stop() then start(); `env` as for start. */
  restart(options?: { env?: Record<string, string> }): Promise<void>;
  /** What the current run printed so far (pino JSON lines). */
  output(): Promise<string>;
  /** The underlying process, for anything not covered here. */
  readonly process: PlatformProcess;
}

export interface ApiHandle extends ProcessControls {
  /** http://127.0.0.1:PORT of this API (the port can change if a restart found it taken). */
  readonly url: string;
  readonly port: number;
  /** Polls GET /readyz until 200, bounded. */
  waitReady(timeoutMs?: number): Promise<void>;
}

export type WorkerHandle = ProcessControls;

export interface CallOptions {
  apiIndex?: number;
  headers?: Record<string, string>;
}

export interface Platform {
  /** Unique id of this platform (in its Redis prefix, database name, S3 prefix, node ids). */
  readonly id: string;
  readonly database: DatabaseKind;
  readonly storage: StorageKind;
  /** Temp folder of this platform: logs/, data/ or nodes/, cache/. */
  readonly runDir: string;
  readonly logDir: string;
  /** The data dir all processes share (sqlite and/or fs store); null when each has its own (mysql+s3). */
  readonly sharedDataDir: string | null;
  /** Admin bearer token (ARCADE_ADMIN_TOKEN, named "bootstrap"). */
  readonly token: string;
  readonly resources: Omit<PlatformResources, "release" | "listObjects" | "env">;
  readonly apis: ApiHandle[];
  readonly workers: WorkerHandle[];
  /** fetch(apis[apiIndex].url + path) with the admin token (unless init sets Authorization). */
  request(path: string, init?: RequestInit, apiIndex?: number): Promise<Response>;
  /** A JSON request (body sent as JSON when given), answer parsed. */
  call<T>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<JsonResponse<T>>;
  /** POST /api/v1/plugins/install with a zip (path or bytes) as multipart, source=local. */
  installZip(
    zip: string | Uint8Array,
    options?: UploadOptions & { apiIndex?: number },
  ): Promise<JsonResponse<JobResource>>;
  /** PUT /api/v1/plugins/:pluginId with a zip (path or bytes). */
  updateZip(
    pluginId: string,
    zip: string | Uint8Array,
    options?: UploadOptions & { apiIndex?: number },
  ): Promise<JsonResponse<JobResource>>;
  /** Polls the job until succeeded or failed (default bound 90 s) and returns it. */
  waitJob(jobId: string, options?: { timeoutMs?: number; apiIndex?: number }): Promise<JobResource>;
  /** Starts one more worker (same settings as the others) and returns its handle. */
  addWorker(options?: { env?: Record<string, string> }): Promise<WorkerHandle>;
  /**
   * Object keys under `prefix` in the platform's store (without the S3 key prefix), sorted.
   * fs: every file under <data>/objects except the `.meta.json` sidecars, so a crashed
   * writer's `*.tmp-<hex>` files show up too. s3: ListObjectsV2 under the platform's prefix.
   */
  listObjects(prefix?: string): Promise<string[]>;
  /** Every process's state, log path and the last `lines` lines of its log. */
  logReport(lines?: number): Promise<string>;
  /** Keep the run folder (logs) after stopAll, e.g. because a test failed. */
  keepFiles(): void;
  /** Stops every process (SIGTERM, then SIGKILL), drops the database, S3 objects and Redis keys. */
  stopAll(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const PORT_TRIES = 3;

/** Timings short enough for tests: nodes notice each other (and each other's absence) in seconds. */
const FAST_CLUSTER_ENV: Record<string, string> = {
  ARCADE_NODE_HEARTBEAT_INTERVAL: "500ms",
  ARCADE_NODE_HEARTBEAT_TTL: "1500ms",
  ARCADE_NODE_RECONCILE_INTERVAL: "2s",
  // A job whose change no node answered within this fails (honest convergence): room for a
  // loaded test machine, where starting one plugin process can take seconds.
  ARCADE_NODE_CONVERGENCE_TIMEOUT: "15s",
  ARCADE_WORKER_BACKOFF_MS: "200",
  ARCADE_WORKER_SHUTDOWN_TIMEOUT: "5s",
  // Tests poll jobs often and send wrong tokens on purpose; the limiters have their own tests.
  ARCADE_SERVER_RATE_LIMIT_PER_MINUTE: "0",
  ARCADE_SERVER_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: "0",
  ARCADE_SERVER_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "0",
  ARCADE_SERVER_HOST: "127.0.0.1",
  ARCADE_LOG_LEVEL: "info",
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines: number): string {
  const all = text.split("\n");
  return all.slice(Math.max(0, all.length - lines - 1)).join("\n");
}

/**
 * Starts a platform of `apis` API processes and `workers` worker processes on the services of
 * the test run (ARCADE_TEST_*), each process a real `node apps/.../dist/main.js`,
 * and waits until every API answers /readyz and every worker says it is ready.
 * On failure everything started so far is stopped again and the error names the log files.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const missing = missingServices(options);
  if (missing.length > 0) throw new Error(`startPlatform: ${missing.join(", ")} not set`);
  const id = randomBytes(4).toString("hex");
  const base = serviceAddresses().dataDir ?? tmpdir();
  await mkdir(base, { recursive: true });
  const runDir = await mkdtemp(join(base, `e2e-${options.label ?? "platform"}-${id}-`));
  // mkdtemp makes it 0700; plugin processes run as another user (runtime.plugin_uid) when
  // the tests run as root, and must pass through it to their folders in the cache below.
  await chmod(runDir, 0o711);
  const logDir = join(runDir, "logs");
  await mkdir(logDir, { recursive: true });
  const shared = options.database === "sqlite" || options.storage === "fs";
  const sharedDataDir = shared ? join(runDir, "data") : null;
  const resources = await acquireResources({
    id,
    database: options.database,
    storage: options.storage,
    dataDir: sharedDataDir ?? join(runDir, "unused"),
    ...(options.s3 ? { s3: options.s3 } : {}),
  });
  const token = randomBytes(16).toString("hex");
  // Signs this platform's reload events and heartbeats, as `npm start` does with .data/cluster-secret.
  const clusterSecret = randomBytes(32).toString("hex");
  // The API processes (the nodes) seal and open plugin config secrets with this key, as
  // `npm start` does with .data/secret-keys; the workers never need it.
  const secretsEnv = {
    ARCADE_SECRETS_KEYS: `e2e:${randomBytes(32).toString("base64")}`,
    ARCADE_SECRETS_ACTIVE_KEY: "e2e",
  };
  const services = serviceAddresses();
  /** The ACL user of each role (the admin URL when the env file predates them), unless a test chose a Redis. */
  const redisFor = (role: "api" | "worker"): Record<string, string> => {
    const chosen =
      options.env?.ARCADE_REDIS_URL ??
      (role === "api" ? options.apiEnv : options.workerEnv)?.ARCADE_REDIS_URL;
    const url = role === "api" ? services.redisApiUrl : services.redisWorkerUrl;
    return chosen || !url ? {} : { ARCADE_REDIS_URL: url };
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  const commonEnv = (name: string, role: "api" | "worker"): Record<string, string> => ({
    ...FAST_CLUSTER_ENV,
    ...resources.env,
    ...redisFor(role),
    ...(role === "api" ? secretsEnv : {}),
    ARCADE_CLUSTER_SECRET: clusterSecret,
    ARCADE_ADMIN_TOKEN: token,
    ARCADE_NODE_ID: `e2e-${id}-${name}`,
    ARCADE_SERVER_DATA_DIR: sharedDataDir ?? join(runDir, "nodes", name),
    // Per node, so no node finds a plugin in a cache another node filled.
    ARCADE_PLUGIN_LOCAL_CACHE_DIR: join(runDir, "cache", name),
    ...options.env,
  });

  const processes: PlatformProcess[] = [];
  const apis: ApiHandle[] = [];
  const workers: WorkerHandle[] = [];
  let keep = false;
  let stopped = false;

  function controls(index: number, proc: PlatformProcess, ready: () => Promise<void>): ProcessControls {
    return {
      index,
      get nodeId() {
        return proc.env.ARCADE_NODE_ID ?? "";
      },
      get pid() {
        return proc.pid;
      },
      get running() {
        return proc.running;
      },
      get logFile() {
        return proc.logFile;
      },
      get exitInfo() {
        return proc.exitInfo;
      },
      process: proc,
      async start(startOptions = {}) {
        await proc.spawn(startOptions);
        await ready();
      },
      async stop() {
        await proc.stop();
      },
      kill: (signal = "SIGKILL") => proc.kill(signal),
      signal: (signal) => proc.signal(signal),
      async restart(startOptions = {}) {
        await proc.stop();
        await proc.spawn(startOptions);
        await ready();
      },
      output: () => proc.output(),
    };
  }

  async function makeApi(index: number): Promise<ApiHandle> {
    const name = `api-${index}`;
    let port = await freePort();
    const proc = new PlatformProcess({
      name,
      entry: API_ENTRY,
      env: { ...commonEnv(name, "api"), ARCADE_SERVER_PORT: String(port), ...options.apiEnv },
      logFile: join(logDir, `${name}.log`),
    });
    processes.push(proc);
    const urlOf = () => `http://127.0.0.1:${port}`;
    const waitReady = async (timeoutMs = readyTimeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!proc.running) {
          throw new Error(
            `${name} exited (${JSON.stringify(proc.exitInfo)}) before it was ready; see ${proc.logFile}`,
          );
        }
        const ok = await fetch(`${urlOf()}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        if (Date.now() >= deadline)
          throw new Error(`${name} was not ready within ${timeoutMs} ms; see ${proc.logFile}`);
        await delay(100);
      }
    };
    // A port found free can be taken before the server binds it: then try another one.
    const ready = async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await waitReady();
          return;
        } catch (error) {
          const taken = !proc.running && /EADDRINUSE|port \d+ is taken/.test(await proc.output());
          if (!taken || attempt >= PORT_TRIES) throw error;
          port = await freePort();
          proc.spec.env.ARCADE_SERVER_PORT = String(port);
          await proc.spawn();
        }
      }
    };
    // defineProperties, not Object.assign: assign would copy the getters' current values.
    return Object.defineProperties(controls(index, proc, ready), {
      url: { get: urlOf, enumerable: true },
      port: { get: () => port, enumerable: true },
      waitReady: { value: waitReady, enumerable: true },
    }) as ApiHandle;
  }

  function makeWorker(index: number): WorkerHandle {
    const name = `worker-${index}`;
    const proc = new PlatformProcess({
      name,
      entry: WORKER_ENTRY,
      // No metrics endpoint: its fixed default port (9464) would clash between the workers of a
      // run, and with any other worker on this machine. A suite that wants it sets a port.
      env: { ...commonEnv(name, "worker"), ARCADE_WORKER_METRICS_PORT: "0", ...options.workerEnv },
      logFile: join(logDir, `${name}.log`),
    });
    processes.push(proc);
    return controls(index, proc, () => proc.waitForOutput(/"msg":"worker ready"/, readyTimeoutMs));
  }

  const fetchers = new Map<number, Fetcher>();
  const fetcherOf = (apiIndex = 0): Fetcher => {
    const api = apis[apiIndex];
    if (!api) throw new Error(`no API with index ${apiIndex} (the platform has ${apis.length})`);
    let f = fetchers.get(apiIndex);
    if (!f) {
      f = authedFetch(() => api.url, token);
      fetchers.set(apiIndex, f);
    }
    return f;
  };

  const logReport = async (lines = 40): Promise<string> => {
    const parts = [`platform ${id} (${options.database}+${options.storage}), logs in ${logDir}`];
    for (const proc of processes) {
      const state = proc.running ? `running, pid ${proc.pid}` : `exited ${JSON.stringify(proc.exitInfo)}`;
      const text = await readFile(proc.logFile, "utf8").catch(() => "(no log)");
      parts.push(`--- ${proc.name} (${state}) ${proc.logFile}, last ${lines} lines:\n${tail(text, lines)}`);
    }
    return parts.join("\n");
  };

  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(processes.map((p) => p.stop().catch(() => p.kill("SIGKILL").catch(() => null))));
    await resources.release();
    if (!keep) await rm(runDir, { recursive: true, force: true }).catch(() => {});
  };

  const platform: Platform = {
    id,
    database: options.database,
    storage: options.storage,
    runDir,
    logDir,
    sharedDataDir,
    token,
    resources: {
      redisPrefix: resources.redisPrefix,
      mysqlDatabase: resources.mysqlDatabase,
      s3: resources.s3,
    },
    apis,
    workers,
    request: (path, init, apiIndex) => fetcherOf(apiIndex)(path, init),
    call: (method, path, body, callOptions = {}) =>
      sendJson(fetcherOf(callOptions.apiIndex), method, path, body, callOptions.headers),
    installZip: (zip, uploadOptions = {}) =>
      uploadPlugin(fetcherOf(uploadOptions.apiIndex), "POST", "/api/v1/plugins/install", zip, uploadOptions),
    updateZip: (pluginId, zip, uploadOptions = {}) =>
      uploadPlugin(
        fetcherOf(uploadOptions.apiIndex),
        "PUT",
        `/api/v1/plugins/${encodeURIComponent(pluginId)}`,
        zip,
        uploadOptions,
      ),
    waitJob: (jobId, waitOptions = {}) =>
      pollJob(fetcherOf(waitOptions.apiIndex), jobId, waitOptions.timeoutMs ?? 90_000),
    async addWorker(startOptions = {}) {
      const worker = makeWorker(workers.length);
      workers.push(worker);
      await worker.start(startOptions);
      return worker;
    },
    listObjects: (prefix = "") => resources.listObjects(prefix),
    logReport,
    keepFiles() {
      keep = true;
    },
    stopAll,
  };

  try {
    for (let i = 0; i < options.apis; i += 1) apis.push(await makeApi(i));
    for (let i = 0; i < options.workers; i += 1) workers.push(makeWorker(i));
    // Start the APIs one after the other (the first one migrates the database), then the workers together.
    for (const api of apis) await api.start();
    await Promise.all(workers.map((w) => w.start()));
  } catch (error) {
    keep = true;
    const report = await logReport(30).catch(() => "");
    await stopAll().catch(() => {});
    throw new Error(`startPlatform failed: ${(error as Error).message}\n${report}`, { cause: error });
  }
  return platform;
}
