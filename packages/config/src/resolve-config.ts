import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { ArcadeConfig, DatabaseConfig } from "./arcade-config.js";
import { resolveTokens } from "./auth-tokens.js";
import type { ConfigIssue } from "./config-error.js";
import type { ConfigOrigins } from "./config-origins.js";
import type { FileConfig } from "./file-schema.js";
import { resolveSecretKeys } from "./secret-keys.js";
import { resolveTrustedKeys } from "./trusted-keys.js";

export interface ResolveContext {
  origins: ConfigOrigins;
  /** Folder of the TOML file, or the working directory without one. */
  baseDir: string;
  cwd: string;
  adminToken: string | undefined;
}

function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.:-]/g, "-");
}

function resolveDatabase(
  raw: FileConfig["database"],
  sqlitePath: string,
  origins: ConfigOrigins,
  sslCa: string | undefined,
) {
  const issues: ConfigIssue[] = [];
  let parsed: URL | undefined;
  if (raw.url !== undefined) {
    try {
      parsed = new URL(raw.url);
    } catch {
      issues.push(
        origins.issue(["database", "url"], "a URL like mysql://user:pass@host:3306/arcade", { secret: true }),
      );
    }
  }
  // Explicit keys win over the url's parts, so the password can come from its own env var.
  const database: DatabaseConfig = {
    type: raw.type,
    sqlitePath,
    ...(raw.url !== undefined ? { url: raw.url } : {}),
    host: raw.host ?? (parsed?.hostname || "127.0.0.1"),
    port: raw.port ?? (parsed?.port ? Number(parsed.port) : 3306),
    user: raw.user ?? (parsed?.username ? decodeURIComponent(parsed.username) : "arcade"),
    password: raw.password ?? (parsed?.password ? decodeURIComponent(parsed.password) : ""),
    database:
      raw.database ?? (parsed?.pathname.slice(1) ? decodeURIComponent(parsed.pathname.slice(1)) : "arcade"),
    poolSize: raw.pool_size,
    connectTimeout: raw.connect_timeout,
    ssl: raw.ssl,
    ...(sslCa !== undefined ? { sslCa } : {}),
    ...(raw.reader_user !== undefined ? { readerUser: raw.reader_user } : {}),
    ...(raw.reader_password !== undefined ? { readerPassword: raw.reader_password } : {}),
  };
  return { database, issues };
}

/** Rules that span two keys; the message blames the key that was set on purpose. */
function crossChecks(raw: FileConfig, origins: ConfigOrigins): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { plugin, node } = raw;
  if (plugin.default_memory_mb > plugin.max_memory_mb) {
    issues.push(
      origins.sourceOf("plugin", "default_memory_mb") === "default"
        ? origins.issue(
            ["plugin", "max_memory_mb"],
            `at least plugin.default_memory_mb (${plugin.default_memory_mb})`,
          )
        : origins.issue(
            ["plugin", "default_memory_mb"],
            `at most plugin.max_memory_mb (${plugin.max_memory_mb})`,
            {
              value: plugin.default_memory_mb,
            },
          ),
    );
  }
  if (node.heartbeat_ttl <= node.heartbeat_interval) {
    issues.push(
      origins.sourceOf("node", "heartbeat_ttl") === "default"
        ? origins.issue(
            ["node", "heartbeat_interval"],
            `less than node.heartbeat_ttl (${node.heartbeat_ttl}ms)`,
          )
        : origins.issue(
            ["node", "heartbeat_ttl"],
            `more than node.heartbeat_interval (${node.heartbeat_interval}ms)`,
            {
              value: node.heartbeat_ttl,
            },
          ),
    );
  }
  issues.push(...timeoutChecks(raw, origins));
  // The host stops restarting a crashed version after max_restarts restarts: a loop longer than
  // that never happens, and the quarantine would never trigger.
  const { runtime } = raw;
  if (runtime.crash_loop_max > runtime.max_restarts + 1) {
    issues.push(
      origins.sourceOf("runtime", "crash_loop_max") === "default"
        ? origins.issue(
            ["runtime", "max_restarts"],
            `at least runtime.crash_loop_max - 1 (${runtime.crash_loop_max - 1})`,
          )
        : origins.issue(
            ["runtime", "crash_loop_max"],
            `at most runtime.max_restarts + 1 (${runtime.max_restarts + 1})`,
            { value: runtime.crash_loop_max },
          ),
    );
  }
  if (plugin.enable_market && plugin.market_api === "") {
    issues.push(
      origins.issue(
        ["plugin", "market_api"],
        "a market URL (http:// or https://) when plugin.enable_market is true",
        {
          value: "",
        },
      ),
    );
  }
  return issues;
}

/**
 * The nodes' reader key is a pair: half of it would make the store fall back to the SDK's own
 * credential chain without a word, which is not what anyone who set one half meant.
 */
function storageReaderChecks(s: FileConfig["storage"], origins: ConfigOrigins): ConfigIssue[] {
  const id = s.s3_reader_access_key_id !== undefined;
  const secret = s.s3_reader_secret_access_key !== undefined;
  if (id === secret) return [];
  return [
    id
      ? origins.issue(
          ["storage", "s3_reader_access_key_id"],
          "set together with storage.s3_reader_secret_access_key",
          { secret: true },
        )
      : origins.issue(
          ["storage", "s3_reader_secret_access_key"],
          "set together with storage.s3_reader_access_key_id",
          { secret: true },
        ),
  ];
}

/**
 * headers <= request <= upload: Node refuses a headers timeout above its request timeout, and
 * an upload deadline shorter than the ordinary one would make no sense.
 */
function timeoutChecks(raw: FileConfig, origins: ConfigOrigins): ConfigIssue[] {
  const s = raw.server;
  const issues: ConfigIssue[] = [];
  if (s.headers_timeout > s.request_timeout) {
    issues.push(
      origins.sourceOf("server", "headers_timeout") === "default"
        ? origins.issue(
            ["server", "request_timeout"],
            `at least server.headers_timeout (${s.headers_timeout}ms)`,
          )
        : origins.issue(
            ["server", "headers_timeout"],
            `at most server.request_timeout (${s.request_timeout}ms)`,
            {
              value: s.headers_timeout,
            },
          ),
    );
  }
  if (s.request_timeout > s.upload_timeout) {
    issues.push(
      origins.sourceOf("server", "request_timeout") === "default"
        ? origins.issue(
            ["server", "upload_timeout"],
            `at least server.request_timeout (${s.request_timeout}ms)`,
          )
        : origins.issue(
            ["server", "request_timeout"],
            `at most server.upload_timeout (${s.upload_timeout}ms)`,
            {
              value: s.request_timeout,
            },
          ),
    );
  }
  return issues;
}

/** Settings that work but leave the control plane open; said at every start. */
function controlPlaneWarnings(raw: FileConfig): string[] {
  const warnings: string[] = [];
  if (raw.redis.allow_unauthenticated) {
    warnings.push(
      "redis.allow_unauthenticated = true: the platform runs on a Redis that anyone who reaches it may use",
    );
  }
  return warnings;
}

/** The validated file (snake_case) -> ArcadeConfig (camelCase, absolute paths, hashed tokens). */
export function resolveConfig(
  raw: FileConfig,
  context: ResolveContext,
): { config: Omit<ArcadeConfig, "file" | "warnings">; issues: ConfigIssue[]; warnings: string[] } {
  const { origins, baseDir, cwd } = context;
  // A path written in the file is relative to the file; one from the env, or a default, to the
  // working directory: `ARCADE_CONFIG=/etc/arcade.toml npm start` keeps the database in ./.data
  // beside the token and Redis files instead of moving it silently next to the config file.
  const pathOf = (section: string, key: string, value: string) =>
    resolve(origins.sourceOf(section, key) === "file" ? baseDir : cwd, value);

  const dataDir = pathOf("server", "data_dir", raw.server.data_dir);
  const optionalPath = (section: string, key: string, value: string | undefined, fallback: string) =>
    value === undefined ? join(dataDir, fallback) : pathOf(section, key, value);

  const { database, issues: databaseIssues } = resolveDatabase(
    raw.database,
    optionalPath("database", "sqlite_path", raw.database.sqlite_path, "arcade.db"),
    origins,
    raw.database.ssl_ca === undefined ? undefined : pathOf("database", "ssl_ca", raw.database.ssl_ca),
  );
  const auth = resolveTokens(raw.auth.tokens, context.adminToken, origins);
  const trusted = resolveTrustedKeys(raw.signature.trusted_keys, origins);
  const secretKeys = resolveSecretKeys(
    raw.secrets,
    raw.secrets.keys_file === "" ? undefined : pathOf("secrets", "keys_file", raw.secrets.keys_file),
    origins,
  );

  const warnings = [...auth.warnings, ...controlPlaneWarnings(raw), ...secretKeys.warnings];
  if (raw.auth.disabled) {
    warnings.push("auth is disabled (auth.disabled = true): every request is treated as admin");
  } else if (auth.tokens.length === 0) {
    warnings.push("auth is on but no token is configured: add [[auth.tokens]] or set ARCADE_ADMIN_TOKEN");
  }

  const s = raw.storage;
  const p = raw.plugin;
  const config: Omit<ArcadeConfig, "file" | "warnings"> = {
    server: {
      host: raw.server.host,
      port: raw.server.port,
      dataDir,
      bodyLimitJson: raw.server.body_limit_json,
      rateLimitPerMinute: raw.server.rate_limit_per_minute,
      trustProxy: raw.server.trust_proxy,
      ...(raw.server.public_url !== undefined ? { publicUrl: raw.server.public_url } : {}),
      headersTimeout: raw.server.headers_timeout,
      requestTimeout: raw.server.request_timeout,
      uploadTimeout: raw.server.upload_timeout,
      keepAliveTimeout: raw.server.keep_alive_timeout,
      maxConnections: raw.server.max_connections,
      allowedHosts: raw.server.allowed_hosts.map((h) => h.toLowerCase()),
      rateLimitPerAddressPerMinute: raw.server.rate_limit_per_address_per_minute,
      rateLimitAuthFailuresPerMinute: raw.server.rate_limit_auth_failures_per_minute,
    },
    database,
    redis: {
      url: raw.redis.url,
      keyPrefix: raw.redis.key_prefix,
      allowUnauthenticated: raw.redis.allow_unauthenticated,
    },
    storage: {
      type: s.type,
      fsRoot: optionalPath("storage", "fs_root", s.fs_root, "objects"),
      ...(s.s3_endpoint !== undefined ? { s3Endpoint: s.s3_endpoint } : {}),
      s3Region: s.s3_region,
      s3Bucket: s.s3_bucket,
      ...(s.s3_access_key_id !== undefined ? { s3AccessKeyId: s.s3_access_key_id } : {}),
      ...(s.s3_secret_access_key !== undefined ? { s3SecretAccessKey: s.s3_secret_access_key } : {}),
      ...(s.s3_reader_access_key_id !== undefined ? { s3ReaderAccessKeyId: s.s3_reader_access_key_id } : {}),
      ...(s.s3_reader_secret_access_key !== undefined
        ? { s3ReaderSecretAccessKey: s.s3_reader_secret_access_key }
        : {}),
      s3ForcePathStyle: s.s3_force_path_style,
      s3KeyPrefix: s.s3_key_prefix,
      multipartPartSize: s.multipart_part_size,
    },
    plugin: {
      localCacheDir: optionalPath("plugin", "local_cache_dir", p.local_cache_dir, "cache"),
      enableMarket: p.enable_market,
      marketApi: p.market_api,
      autoCheckUpdate: p.auto_check_update,
      updateCheckInterval: p.update_check_interval,
      autoUpdate: p.auto_update,
      loadTimeout: p.load_timeout,
      maxPluginSize: p.max_plugin_size,
      retainVersions: p.retain_versions,
      actionTimeout: p.action_timeout,
      maxEntries: p.max_entries,
      maxUncompressedSize: p.max_uncompressed_size,
      maxCompressionRatio: p.max_compression_ratio,
      maxMemoryMb: p.max_memory_mb,
      defaultMemoryMb: p.default_memory_mb,
    },
    auth: { disabled: raw.auth.disabled, tokens: auth.tokens },
    node: {
      id: raw.node.id ?? defaultNodeId(),
      heartbeatInterval: raw.node.heartbeat_interval,
      heartbeatTtl: raw.node.heartbeat_ttl,
      reconcileInterval: raw.node.reconcile_interval,
      convergenceTimeout: raw.node.convergence_timeout,
      runtimeEnabled: raw.node.runtime_enabled,
    },
    worker: {
      concurrency: raw.worker.concurrency,
      attempts: raw.worker.attempts,
      backoffMs: raw.worker.backoff_ms,
      jobRetentionDays: raw.worker.job_retention_days,
      shutdownTimeout: raw.worker.shutdown_timeout,
      lockDuration: raw.worker.lock_duration,
      metricsPort: raw.worker.metrics_port,
    },
    market: {
      requestTimeout: raw.market.request_timeout,
      ...(raw.market.token !== undefined ? { token: raw.market.token } : {}),
    },
    signature: {
      requireSignature: raw.signature.require_signature,
      trustedKeys: trusted.keys,
      revokedKeys: raw.signature.revoked_keys,
    },
    runtime: {
      maxRestarts: raw.runtime.max_restarts,
      restartBackoff: raw.runtime.restart_backoff,
      drainTimeout: raw.runtime.drain_timeout,
      pluginUid: raw.runtime.plugin_uid,
      pluginGid: raw.runtime.plugin_gid,
      allowedHostPaths: raw.runtime.allowed_host_paths,
      warmSpare: raw.runtime.warm_spare,
      crashLoopMax: raw.runtime.crash_loop_max,
      crashLoopWindow: raw.runtime.crash_loop_window,
    },
    rollout: {
      defaultStrategy: raw.rollout.default_strategy,
      abortOnErrorRate: raw.rollout.abort_on_error_rate,
      abortOnCrashes: raw.rollout.abort_on_crashes,
      abortOnP99Ratio: raw.rollout.abort_on_p99_ratio,
      abortOnMinCalls: raw.rollout.abort_on_min_calls,
    },
    cluster: { secret: raw.cluster.secret },
    secrets: secretKeys.secrets,
    log: { level: raw.log.level, pretty: raw.log.pretty },
  };

  const issues = [
    ...databaseIssues,
    ...auth.issues,
    ...trusted.issues,
    ...secretKeys.issues,
    ...crossChecks(raw, origins),
    ...storageReaderChecks(raw.storage, origins),
  ];
  return { config, issues, warnings };
}
