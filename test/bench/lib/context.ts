import { type Platform, type PlatformOptions, startPlatform } from "../../harness/index.js";
import { benchStore } from "./bare-server.js";
import type { Services } from "./services.js";

/**
 * Production timings, not the harness's test timings: a 2 s reconcile timer or 0.5 s heartbeats
 * would add background load that a deployment does not have. The rate limit is off because
 * the load generators are one client.
 */
export const BENCH_ENV: Record<string, string> = {
  ARCADE_NODE_HEARTBEAT_INTERVAL: "5s",
  ARCADE_NODE_HEARTBEAT_TTL: "15s",
  ARCADE_NODE_RECONCILE_INTERVAL: "30s",
  ARCADE_NODE_CONVERGENCE_TIMEOUT: "10s",
  ARCADE_WORKER_BACKOFF_MS: "1000",
  ARCADE_WORKER_SHUTDOWN_TIMEOUT: "5s",
  ARCADE_SERVER_RATE_LIMIT_PER_MINUTE: "0",
  ARCADE_LOG_LEVEL: "info",
};

/** Sizes of one run: the full run, or a much smaller one with --quick. */
export interface Sizes {
  acceptSeconds: number;
  acceptConnections: number;
  e2eInstalls: number;
  rawCostSamples: number;
  propagationNodes: number;
  propagationUpdates: number;
  largeArtifactMiB: number;
  smallArtifactMiB: number;
  invokeSeconds: number;
  invokeConcurrency: number;
  invokeConnections: number;
  swapUpdates: number;
  swapRatePerSecond: number;
  throughputInstalls: number;
}

export const FULL: Sizes = {
  acceptSeconds: 10,
  acceptConnections: 50,
  e2eInstalls: 200,
  rawCostSamples: 100,
  propagationNodes: 10,
  propagationUpdates: 20,
  largeArtifactMiB: 100,
  smallArtifactMiB: 20,
  invokeSeconds: 10,
  invokeConcurrency: 16,
  invokeConnections: 16,
  swapUpdates: 20,
  swapRatePerSecond: 50,
  throughputInstalls: 1000,
};

export const QUICK: Sizes = {
  acceptSeconds: 3,
  acceptConnections: 50,
  e2eInstalls: 20,
  rawCostSamples: 20,
  propagationNodes: 10,
  propagationUpdates: 5,
  largeArtifactMiB: 40,
  smallArtifactMiB: 10,
  invokeSeconds: 3,
  invokeConcurrency: 16,
  invokeConnections: 16,
  swapUpdates: 5,
  swapRatePerSecond: 50,
  throughputInstalls: 100,
};

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  services: Services;
  /** Progress line, timestamped. */
  log(line: string): void;
  /** Starts a platform with BENCH_ENV (options.env wins) on mysql + s3; stopped by `cleanup`. */
  platform(options: Omit<PlatformOptions, "database" | "storage">): Promise<Platform>;
  /** Stops every platform this benchmark started (also when it failed). */
  cleanup(): Promise<void>;
}

export function createContext(base: Omit<BenchContext, "platform" | "cleanup">, label: string): BenchContext {
  const started: Platform[] = [];
  return {
    ...base,
    async platform(options) {
      const t = performance.now();
      const p = await startPlatform({
        database: "mysql",
        storage: "s3",
        label: `bench-${label}`,
        readyTimeoutMs: 120_000,
        ...options,
        env: { ...BENCH_ENV, ...options.env },
      });
      started.push(p);
      base.log(
        `platform ${p.id}: ${options.apis} API + ${options.workers} worker processes up in ${Math.round(performance.now() - t)} ms`,
      );
      return p;
    },
    async cleanup() {
      for (const p of started.splice(0)) {
        await dropObjects(base.services, p, base.log);
        await p
          .stopAll()
          .catch((error: unknown) => base.log(`stopping platform ${p.id}: ${describeError(error)}`));
      }
    },
  };
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError) {
    return `${error.message}: ${error.errors.map((e) => describeError(e)).join("; ")}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Deletes the platform's objects before the harness does. The harness lists them with
 * ListObjectsV2, and s3rver 3.7.1 on Node 20 answers 500 to any V2 listing longer than one
 * page (its continuation token uses DES, which OpenSSL 3 refuses without the legacy provider);
 * the store's own deleteByPrefix lists with V1 markers and is not affected.
 */
async function dropObjects(services: Services, p: Platform, log: (line: string) => void): Promise<void> {
  if (!p.resources.s3) return;
  const store = benchStore(services, p.resources.s3.keyPrefix);
  for (const prefix of ["staging/", "plugins/"]) {
    await store.deleteByPrefix(prefix).catch((error: unknown) => {
      log(`deleting ${p.resources.s3?.keyPrefix}${prefix}: ${describeError(error)}`);
      return 0;
    });
  }
}
