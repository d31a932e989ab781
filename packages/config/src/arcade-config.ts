/**
 * The loaded configuration, as the rest of the platform sees it.
 *
 * Mapping from the TOML file / env (one rule, no exceptions):
 * - `[section] snake_key` -> `config.section.camelKey`, env `ARCADE_SECTION_SNAKE_KEY`;
 *   e.g. `[plugin] max_plugin_size` -> `config.plugin.maxPluginSize`, `ARCADE_PLUGIN_MAX_PLUGIN_SIZE`;
 *   `[[auth.tokens]] token_sha256` -> `config.auth.tokens[i].tokenSha256`.
 * - sizes are numbers of bytes, durations numbers of milliseconds. The file and env may say "50MiB",
 *   "30s", or a plain number: MiB in a size key, seconds in a duration key (units.ts).
 * - paths are absolute: relative ones in the file are taken from the file's folder, relative ones
 *   in env vars from the working directory.
 */

export type DatabaseType = "sqlite" | "mysql";
export type StorageType = "filesystem" | "s3";
/** `metrics` may read /metrics and nothing else (for Prometheus). */
export type Role = "metrics" | "viewer" | "operator" | "admin";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface ServerConfig {
  host: string;
  port: number;
  /** Absolute. Parent of the embedded defaults (SQLite file, object store, plugin cache). */
  dataDir: string;
  /** Bytes. */
  bodyLimitJson: number;
  /** Per token (or IP without a token); 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  trustProxy: boolean;
  publicUrl?: string;
  /** Milliseconds a client has to send its request headers. */
  headersTimeout: number;
  /** Milliseconds from the headers to the end of the body, for every route but the uploads. */
  requestTimeout: number;
  /** The same for the upload routes (install, update, validate-manifest). */
  uploadTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /** Open connections at once; 0: no limit. */
  maxConnections: number;
  /** Host header values served (names, or name:port); empty: any. /healthz and /readyz: any. */
  allowedHosts: string[];
  /** Requests per client address per minute, before authentication; 0: off. */
  rateLimitPerAddressPerMinute: number;
  /** Failed authentications per client address per minute; 0: off. */
  rateLimitAuthFailuresPerMinute: number;
}

export interface DatabaseConfig {
  type: DatabaseType;
  /** Absolute; default `<dataDir>/arcade.db`. */
  sqlitePath: string;
  /** As written; host/port/user/password/database below are always filled (url parts, then explicit keys). */
  url?: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  poolSize: number;
  /** Milliseconds. */
  connectTimeout: number;
  /** TLS to the server (certificate verified). */
  ssl: boolean;
  /** Absolute path of a CA bundle (PEM) to verify the server with, instead of the system's. */
  sslCa?: string;
  /** The user (SELECT only) the runtime nodes read the desired state as; absent: the user above. */
  readerUser?: string;
  readerPassword?: string;
}

export interface RedisConfig {
  url: string;
  keyPrefix: string;
  /** Start even if Redis answers clients that send no password (the embedded first run). */
  allowUnauthenticated: boolean;
}

export interface StorageConfig {
  type: StorageType;
  /** Absolute; default `<dataDir>/objects`. */
  fsRoot: string;
  s3Endpoint?: string;
  s3Region: string;
  s3Bucket: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  /**
   * The key the runtime nodes fetch artifacts with: one allowed GET/HEAD only, so a node (or a
   * plugin that takes one over) cannot change or delete what other nodes load. Absent: the key above.
   */
  s3ReaderAccessKeyId?: string;
  s3ReaderSecretAccessKey?: string;
  s3ForcePathStyle: boolean;
  s3KeyPrefix: string;
  /** Bytes, at least 5 MiB. */
  multipartPartSize: number;
}

export interface PluginConfig {
  /** Absolute; default `<dataDir>/cache`. */
  localCacheDir: string;
  enableMarket: boolean;
  /** "" when there is no market. */
  marketApi: string;
  autoCheckUpdate: boolean;
  /** Milliseconds. */
  updateCheckInterval: number;
  autoUpdate: boolean;
  /** Milliseconds. */
  loadTimeout: number;
  /** Bytes. */
  maxPluginSize: number;
  retainVersions: number;
  /** Milliseconds. */
  actionTimeout: number;
  maxEntries: number;
  /** Bytes. */
  maxUncompressedSize: number;
  maxCompressionRatio: number;
  /** Upper bound for `manifest.resources.memory`. */
  maxMemoryMb: number;
  /** Used when the manifest names no memory. */
  defaultMemoryMb: number;
}

export interface AuthToken {
  name: string;
  role: Role;
  /** Lower-case hex SHA-256 of the bearer token; the plain token is never kept. */
  tokenSha256: string;
}

export interface AuthConfig {
  disabled: boolean;
  tokens: AuthToken[];
}

export interface NodeConfig {
  /** Default `<hostname>-<pid>`. */
  id: string;
  /** Milliseconds, as are the three below. */
  heartbeatInterval: number;
  heartbeatTtl: number;
  reconcileInterval: number;
  convergenceTimeout: number;
  runtimeEnabled: boolean;
}

export interface WorkerConfig {
  concurrency: number;
  attempts: number;
  /** Milliseconds. */
  backoffMs: number;
  jobRetentionDays: number;
  /** Milliseconds. */
  shutdownTimeout: number;
  /**
   * Milliseconds: how long a worker's hold on a running job lasts without renewal (renewed at
   * half of it while the worker lives), so a killed worker's job goes to another worker after it.
   */
  lockDuration: number;
  /** Port of the worker's /metrics, /healthz and /readyz (on server.host); 0: not served. */
  metricsPort: number;
}

export interface MarketConfig {
  /** Milliseconds. */
  requestTimeout: number;
  /** Bearer token for the market API, if it needs one. */
  token?: string;
}

export interface TrustedKey {
  id: string;
  /** Always SPKI PEM after loading (a raw base64 key in the file is converted). */
  publicKey: string;
  /** Where it was listed: the TOML file or ARCADE_SIGNATURE_TRUSTED_KEYS (both lists are merged). */
  source?: "file" | "env";
}

export interface SignatureConfig {
  requireSignature: boolean;
  trustedKeys: TrustedKey[];
  revokedKeys: string[];
}

export interface RuntimeConfig {
  maxRestarts: number;
  /** Milliseconds, as is drainTimeout. */
  restartBackoff: number;
  drainTimeout: number;
  /** OS user and group of plugin processes when the platform runs as root (names or numbers). */
  pluginUid: string;
  pluginGid: string;
  /** Roots below which a manifest may name host paths in permissions.fs (absolute). */
  allowedHostPaths: string[];
  /** Keep one plugin process started ahead, so a load or hot swap does not wait for a spawn. */
  warmSpare: boolean;
  /**
   * Crash-loop quarantine: this many crashes of one version within crashLoopWindow (ms) after it
   * was loaded make the node go back to the last version that ran cleanly there (or stop it).
   */
  crashLoopMax: number;
  crashLoopWindow: number;
}

/** `[rollout]`: the default strategy of installs and updates, and when a step's analysis aborts. */
export interface RolloutConfig {
  defaultStrategy: "all-at-once" | "canary" | "two-phase";
  /** A step aborts above the old version's error rate plus this (0..1); a request's `abortOn` overrides each. */
  abortOnErrorRate: number;
  /** ... with more crashes or restarts of the new version than this, over the step's nodes. */
  abortOnCrashes: number;
  /** ... with a p99 latency more than this many times the old version's. */
  abortOnP99Ratio: number;
  /** Fewer calls than this on the new version: the step is inconclusive (held again, then paused). */
  abortOnMinCalls: number;
}

export interface ClusterConfig {
  /** Key of the HMAC on reload events and heartbeats; "" signs nothing (with a start-up warning). */
  secret: string;
}

/** One key-encryption key of config secrets. */
export interface SecretKey {
  /** Named in every ciphertext it wraps, so decryption finds it after the active key changed. */
  id: string;
  /** 32 bytes (AES-256). Named `secret` so the logger censors it by name too. */
  secret: Buffer;
}

export interface SecretsConfig {
  /** Absolute; the file of `id:base64` lines that was read, if one is configured. */
  keysFile?: string;
  /** From `secrets.keys` and the keys file, merged; empty: config secrets cannot be encrypted. */
  keys: SecretKey[];
  /** Id of the key new values are encrypted with; "" exactly when there are no keys. */
  activeKey: string;
}

export interface LogConfig {
  level: LogLevel;
  pretty: boolean;
}

export interface ArcadeConfig {
  server: ServerConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  storage: StorageConfig;
  plugin: PluginConfig;
  auth: AuthConfig;
  node: NodeConfig;
  worker: WorkerConfig;
  market: MarketConfig;
  signature: SignatureConfig;
  runtime: RuntimeConfig;
  rollout: RolloutConfig;
  cluster: ClusterConfig;
  secrets: SecretsConfig;
  log: LogConfig;
  /** The TOML file that was read, if any (absolute). */
  file?: string;
  /** Things that work but look wrong (unknown ARCADE_* vars, plain tokens); log them at start. */
  warnings: string[];
}
