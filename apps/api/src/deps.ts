import type { JobEvent, NodePluginState, RolloutStrategy } from "@arcade/contracts";
import type {
  ArchiveLimits,
  Clock,
  JobQueue,
  JobRepo,
  Logger,
  ObjectStore,
  PluginRepo,
  RolloutCommandStore,
  SignaturePolicy,
} from "@arcade/core";
import type { SecretCipher } from "@arcade/secrets";
import type { AuthOptions } from "./http/auth.js";
import type { RateLimiterSet } from "./http/rate-limit.js";

/** This process as a runtime node (absent when the runtime is switched off). */
export interface NodeApi {
  nodeId: string;
  invoke(
    pluginId: string,
    action: string,
    params: unknown,
    /** `header` reads the call's request headers (the caller key of an A/B split). */
    options: { timeoutMs: number; header?: (name: string) => string | undefined },
  ): Promise<{ result: unknown; version: string }>;
  metrics(): Record<string, unknown>[];
}

export interface ClusterView {
  listNodes(): Promise<{ nodeId: string; appliedRevision: number; plugins: NodePluginState[] }[]>;
}

/**
 * The jobs' live events (JobEventReader of @arcade/bus over Redis streams): where a job's stream
 * ends now, and every event after a position as it arrives.
 */
export interface JobEventFeed {
  head(jobId: string): Promise<string>;
  /** The events after `afterId` now, without waiting. */
  range(jobId: string, afterId: string): Promise<{ id: string; event: JobEvent }[]>;
  follow(
    jobId: string,
    afterId: string,
    onEvent: (entry: { id: string; event: JobEvent }) => void,
    /** The feed closed (shutdown): open streams end, clients reconnect elsewhere. */
    onClosed?: () => void,
  ): { close(): void };
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ApiDeps {
  logger: Logger;
  clock: Clock;
  plugins: PluginRepo;
  jobs: JobRepo;
  /** Operators' rollout commands (the job row's rollout_command); absent: the commands answer 409. */
  rolloutCommands?: RolloutCommandStore;
  store: ObjectStore;
  queue: JobQueue;
  auth: AuthOptions;
  limits: {
    maxPluginSize: number;
    jsonBodyBytes: number;
    rateLimitPerMinute: number;
    archiveLimits: ArchiveLimits;
    actionTimeoutMs: number;
    /** runtime.allowed_host_paths, for validate-manifest's verdict on host paths. Default none. */
    allowedHostPaths?: readonly string[];
    /** server.request_timeout / upload_timeout (ms): receiving a request, per route. Default 30 s / 5 min. */
    requestTimeoutMs?: number;
    uploadTimeoutMs?: number;
  };
  /** server.allowed_hosts; empty or absent: any Host. */
  allowedHosts?: readonly string[];
  /** server.trust_proxy: the client address of the rate limits comes from X-Forwarded-For. */
  trustProxy?: boolean;
  /**
   * Limiters by address, failed authentication and token (shared through Redis by main.ts).
   * Absent: in-memory ones, with only the token limit (limits.rateLimitPerMinute) switched on.
   */
  rateLimiters?: RateLimiterSet;
  /** Scratch folder for validate-manifest uploads. */
  workDir: string;
  readiness: ReadinessCheck[];
  node: NodeApi | null;
  cluster: ClusterView | null;
  /** Live job events; absent: GET /jobs/{jobId}/events answers 503 and `?wait` reads the database. */
  jobEvents?: JobEventFeed | null;
  /**
   * The keyring of config secrets (secrets.keys): PUT /config seals secret values with it.
   * Absent: secrets are masked in answers but stored in clear.
   */
  secrets?: SecretCipher | null;
  /**
   * The platform's version, which manifests' `minVersion` is checked against: the dry-run plans
   * check it as the worker's jobs do (both get @arcade/platform's PLATFORM_VERSION). Default 1.0.0.
   */
  platformVersion?: string;
  /** rollout.default_strategy: the plans' rollout when neither the request nor the manifest names one. */
  defaultRolloutStrategy?: RolloutStrategy;
  /**
   * `[signature]`, as the worker checks uploads and rollbacks with it: the plans check signatures
   * the same way. Absent: nothing trusted, unsigned local uploads pass.
   */
  signatures?: SignaturePolicy | null;
  /** Prometheus text exposition, for /metrics. */
  metricsText?: () => Promise<string>;
  onRequest?: (info: { method: string; route: string; status: number; seconds: number }) => void;
}
