import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { type DurationPlainUnit, formatDuration, formatSize } from "./units.js";

/**
 * The TOML file in its own spelling (snake_case sections and keys), after sizes and durations
 * have been turned into numbers. Every leaf carries `description`: the "what is allowed" text
 * of error messages, so each rule is written once, beside its key. Three annotation keywords:
 * `unit` ("bytes" | "ms") marks values that accept "50MiB" / "30s", `plain` the unit of a
 * plain number there ("MiB" in size keys, "s" in duration keys: the original design's rule;
 * "ms" for a key whose name says so), `secret` marks values that never appear in messages or
 * the startup summary.
 */

const KiB = 1024;

/** Schema options without undefined members: ajv's meta-schema check rejects `maximum: undefined`. */
function defined<T extends Record<string, unknown>>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
const MiB = 1024 * KiB;

function int(min: number, max: number | undefined, fallback?: number) {
  const description =
    max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  return Type.Integer(defined({ minimum: min, maximum: max, default: fallback, description }));
}

/** A size; the value is bytes once read. A plain number is MiB. */
function size(fallback: number, min = 0) {
  const atLeast = min > 0 ? ` of at least ${formatSize(min)}` : "";
  return Type.Integer({
    unit: "bytes",
    plain: "MiB",
    minimum: min,
    default: fallback,
    description: `a size${atLeast}: a number of MiB, or a string with a unit like "512KiB", "50MiB" or "100MB"`,
  });
}

/** A duration; the value is milliseconds once read. A plain number is seconds (or `plain`). */
function duration(fallback: number, min = 0, plain: DurationPlainUnit = "s") {
  const atLeast = min > 0 ? ` of at least ${formatDuration(min)}` : "";
  const number = plain === "s" ? "a number of seconds" : "a number of milliseconds";
  return Type.Integer({
    unit: "ms",
    plain,
    minimum: min,
    default: fallback,
    description: `a duration${atLeast}: ${number}, or a string with a unit like "500ms", "30s", "5m" or "1h"`,
  });
}

function bool(fallback: boolean) {
  return Type.Boolean({ default: fallback, description: "true or false" });
}

function text(options: { fallback?: string; minLength?: number; secret?: boolean } = {}) {
  const minLength = options.minLength ?? 0;
  return Type.String(
    defined({
      minLength,
      default: options.fallback,
      secret: options.secret,
      description: minLength > 0 ? "a non-empty string" : "a string",
    }),
  );
}

function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]) {
  // A plain `enum` rather than a union of literals: ajv then reports one error, not one per literal.
  return Type.Unsafe<T[number]>({
    type: "string",
    enum: [...values],
    default: fallback,
    description: `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`,
  });
}

function url(
  schemes: readonly string[],
  options: { fallback?: string; allowEmpty?: boolean; secret?: boolean },
) {
  const alternatives = schemes.map((s) => `${s}://`).join(" or ");
  const pattern = `^(${schemes.join("|")})://[^\\s]+$`;
  return Type.String(
    defined({
      pattern: options.allowEmpty ? `${pattern}|^$` : pattern,
      default: options.fallback,
      secret: options.secret,
      description: `a URL starting with ${alternatives}${options.allowEmpty ? ' (or "" for none)' : ""}`,
    }),
  );
}

function section<T extends Record<string, TSchema>>(name: string, properties: T) {
  return Type.Object(properties, {
    additionalProperties: false,
    default: {},
    description: `a table [${name}]`,
  });
}

const HTTP = ["http", "https"] as const;

export const ServerSchema = section("server", {
  host: text({ fallback: "127.0.0.1", minLength: 1 }),
  port: int(1, 65535, 8080),
  data_dir: text({ fallback: ".data", minLength: 1 }),
  body_limit_json: size(1 * MiB, 1 * KiB),
  rate_limit_per_minute: Type.Integer({
    minimum: 0,
    default: 600,
    description: "an integer of at least 0 (0 turns rate limiting off)",
  }),
  trust_proxy: bool(false),
  public_url: Type.Optional(url(HTTP, {})),
  // Issue 13: slow clients, connection count, Host allow-list, limits before authentication.
  headers_timeout: duration(10_000, 100),
  request_timeout: duration(30_000, 100),
  upload_timeout: duration(300_000, 100),
  keep_alive_timeout: duration(5_000, 100),
  max_connections: Type.Integer({
    minimum: 0,
    default: 1000,
    description: "an integer of at least 0 (0: no limit)",
  }),
  allowed_hosts: Type.Array(Type.String({ pattern: "^[A-Za-z0-9.:\\[\\]-]{1,300}$" }), {
    default: [],
    description: 'an array of host names, optionally with ":port" (in env: a comma list or a JSON array)',
  }),
  rate_limit_per_address_per_minute: Type.Integer({
    minimum: 0,
    default: 1200,
    description: "an integer of at least 0 (0 turns the limit by client address off)",
  }),
  rate_limit_auth_failures_per_minute: Type.Integer({
    minimum: 0,
    default: 30,
    description: "an integer of at least 0 (0 turns the limit on failed authentications off)",
  }),
});

export const DatabaseSchema = section("database", {
  type: oneOf(["sqlite", "mysql"], "sqlite"),
  sqlite_path: Type.Optional(text({ minLength: 1 })),
  url: Type.Optional(url(["mysql", "mariadb"], { secret: true })),
  host: Type.Optional(text({ minLength: 1 })),
  port: Type.Optional(int(1, 65535)),
  user: Type.Optional(text({ minLength: 1 })),
  password: Type.Optional(text({ secret: true })),
  database: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z0-9_$-]{1,64}$",
      description: "a database name of 1 to 64 letters, digits, _, $ or -",
    }),
  ),
  pool_size: int(1, 1000, 10),
  connect_timeout: duration(5_000, 1),
  // Issue 13: TLS to MySQL/MariaDB; the CA file is for a private CA (else the system's).
  ssl: bool(false),
  ssl_ca: Type.Optional(text({ minLength: 1 })),
  // Issue 13: the runtime nodes read the desired state as this user (SELECT only), when set.
  reader_user: Type.Optional(text({ minLength: 1 })),
  reader_password: Type.Optional(text({ secret: true })),
});

export const RedisSchema = section("redis", {
  url: url(["redis", "rediss"], { fallback: "redis://127.0.0.1:6390", secret: true }),
  key_prefix: Type.String({
    pattern: "^[A-Za-z0-9_.:-]+$",
    default: "arcade",
    description: "a non-empty string of letters, digits, _, ., : or -",
  }),
  // Issue 13: without it the platform refuses a Redis that answers clients without a password.
  allow_unauthenticated: bool(false),
});

export const StorageSchema = section("storage", {
  type: oneOf(["filesystem", "s3"], "filesystem"),
  fs_root: Type.Optional(text({ minLength: 1 })),
  s3_endpoint: Type.Optional(url(HTTP, {})),
  s3_region: text({ fallback: "us-east-1", minLength: 1 }),
  s3_bucket: Type.String({
    pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
    default: "arcade-plugins",
    description: "an S3 bucket name: 3 to 63 lower-case letters, digits, . or -",
  }),
  s3_access_key_id: Type.Optional(text({ secret: true })),
  s3_secret_access_key: Type.Optional(text({ secret: true })),
  // Issue 13: the runtime nodes fetch artifacts with this key (GET/HEAD only), when set.
  s3_reader_access_key_id: Type.Optional(text({ secret: true })),
  s3_reader_secret_access_key: Type.Optional(text({ secret: true })),
  s3_force_path_style: bool(true),
  s3_key_prefix: Type.String({
    pattern: "^(?!/)",
    default: "",
    description: 'a key prefix that does not start with "/", e.g. "arcade/"',
  }),
  // S3 refuses multipart parts under 5 MiB (except the last one).
  multipart_part_size: size(8 * MiB, 5 * MiB),
});

export const PluginSchema = section("plugin", {
  local_cache_dir: Type.Optional(text({ minLength: 1 })),
  enable_market: bool(false),
  market_api: url(HTTP, { fallback: "", allowEmpty: true }),
  auto_check_update: bool(false),
  update_check_interval: duration(3_600_000, 1_000),
  auto_update: bool(false),
  load_timeout: duration(10_000, 1),
  max_plugin_size: size(50 * MiB, 1 * KiB),
  retain_versions: int(1, 100, 3),
  action_timeout: duration(30_000, 1),
  max_entries: int(1, 1_000_000, 10_000),
  max_uncompressed_size: size(200 * MiB, 1 * KiB),
  max_compression_ratio: Type.Number({ minimum: 1, default: 100, description: "a number of at least 1" }),
  max_memory_mb: int(16, 65_536, 256),
  default_memory_mb: int(16, 65_536, 64),
});

export const TokenSchema = Type.Object(
  {
    name: Type.String({
      pattern: "^[A-Za-z0-9_.@-]{1,64}$",
      description: "a name of 1 to 64 letters, digits, _, ., @ or -",
    }),
    role: oneOf(["metrics", "viewer", "operator", "admin"], "viewer"),
    token_sha256: Type.Optional(
      Type.String({
        pattern: "^[0-9a-fA-F]{64}$",
        description: "a SHA-256 in hex (64 characters 0-9, a-f)",
      }),
    ),
    token: Type.Optional(text({ minLength: 1, secret: true })),
  },
  {
    additionalProperties: false,
    description: "a table with name, role and token_sha256",
  },
);

export const AuthSchema = section("auth", {
  disabled: bool(false),
  // secret: a malformed ARCADE_AUTH_TOKENS value may hold plain tokens; never echo it whole.
  tokens: Type.Array(TokenSchema, {
    default: [],
    secret: true,
    description: "an array of tables [[auth.tokens]] (in env: a JSON array)",
  }),
});

export const NodeSchema = section("node", {
  id: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$",
      description: "an id of 1 to 128 letters, digits, _, ., : or -",
    }),
  ),
  heartbeat_interval: duration(5_000, 100),
  heartbeat_ttl: duration(15_000, 100),
  reconcile_interval: duration(30_000, 100),
  convergence_timeout: duration(10_000, 1),
  runtime_enabled: bool(true),
});

export const WorkerSchema = section("worker", {
  concurrency: int(1, 64, 2),
  attempts: int(1, 100, 5),
  // The name says milliseconds, so a plain number here is milliseconds.
  backoff_ms: duration(1_000, 0, "ms"),
  job_retention_days: int(0, 3650, 7),
  shutdown_timeout: duration(30_000),
  lock_duration: duration(30_000, 1_000),
  // 9464: the port the Prometheus exporter registry lists for Node's own exporters.
  metrics_port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9464,
    description: "an integer from 0 to 65535 (0 turns the worker's metrics endpoint off)",
  }),
});

export const MarketSchema = section("market", {
  request_timeout: duration(10_000, 1),
  token: Type.Optional(text({ secret: true })),
});

export const TrustedKeySchema = Type.Object(
  {
    id: text({ minLength: 1 }),
    public_key: Type.String({
      minLength: 1,
      description: "an ed25519 public key: PEM, or 32 raw bytes in base64",
    }),
  },
  { additionalProperties: false, description: "a table with id and public_key" },
);

export const SignatureSchema = section("signature", {
  require_signature: bool(false),
  trusted_keys: Type.Array(TrustedKeySchema, {
    default: [],
    description: "an array of tables [[signature.trusted_keys]] (in env: a JSON array)",
  }),
  revoked_keys: Type.Array(text({ minLength: 1 }), {
    default: [],
    description: "an array of key ids (in env: a comma list or a JSON array)",
  }),
});

export const RuntimeSchema = section("runtime", {
  max_restarts: int(0, 1000, 3),
  restart_backoff: duration(1_000),
  drain_timeout: duration(10_000),
  // Issue 11: the OS user plugin processes run as when the platform runs as root (name or number).
  plugin_uid: text({ fallback: "nobody", minLength: 1 }),
  plugin_gid: text({ fallback: "nogroup", minLength: 1 }),
  allowed_host_paths: Type.Array(Type.String({ minLength: 2, pattern: "^/" }), {
    default: [],
    description: "an array of absolute paths (in env: a comma list or a JSON array)",
  }),
  warm_spare: bool(true),
  // Issue 14: a version that crashes crash_loop_max times within crash_loop_window after it was
  // loaded is quarantined on that node (back to the last version that ran cleanly there).
  crash_loop_max: int(1, 1000, 3),
  crash_loop_window: duration(300_000, 1_000),
});

// Issue 14: how an install or update reaches the nodes when neither its request nor the new
// version's manifest names a rollout, and when a step's analysis aborts one (docs/rollouts.md).
export const RolloutSchema = section("rollout", {
  default_strategy: oneOf(["all-at-once", "canary", "two-phase"], "all-at-once"),
  abort_on_error_rate: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.05,
    description: "a number from 0 to 1 (0.05: five points more errors than the old version)",
  }),
  abort_on_crashes: int(0, 1_000_000, 0),
  abort_on_p99_ratio: Type.Number({ minimum: 1, default: 2, description: "a number of at least 1" }),
  abort_on_min_calls: int(1, 1_000_000_000, 50),
});

// Issue 13: the key that signs reload events and heartbeats (HMAC-SHA256).
export const ClusterSchema = section("cluster", {
  secret: Type.String({
    pattern: "^(|[\\x21-\\x7e]{32,1024})$",
    default: "",
    secret: true,
    description: 'a string of 32 to 1024 printable characters without spaces (or "" for none)',
  }),
});

// Issue 13: key-encryption keys of plugin config secrets (envelope encryption, @arcade/secrets).
export const SecretsSchema = section("secrets", {
  keys_file: text({ fallback: "" }),
  keys: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    secret: true,
    description: 'an array of "<id>:<base64 key>" strings (in env: a comma list or a JSON array)',
  }),
  active_key: Type.String({
    pattern: "^(|[A-Za-z0-9_.-]{1,64})$",
    default: "",
    description: 'a key id of 1 to 64 letters, digits, _, . or - (or "" for none)',
  }),
});

export const LogSchema = section("log", {
  level: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  pretty: bool(false),
});

export const FileSchema = Type.Object(
  {
    server: ServerSchema,
    database: DatabaseSchema,
    redis: RedisSchema,
    storage: StorageSchema,
    plugin: PluginSchema,
    auth: AuthSchema,
    node: NodeSchema,
    worker: WorkerSchema,
    market: MarketSchema,
    signature: SignatureSchema,
    runtime: RuntimeSchema,
    rollout: RolloutSchema,
    cluster: ClusterSchema,
    secrets: SecretsSchema,
    log: LogSchema,
  },
  { additionalProperties: false, description: "a TOML document of sections" },
);

/** The file after validation: defaults filled in, sizes in bytes, durations in ms. */
export type FileConfig = Static<typeof FileSchema>;
export type SectionName = keyof FileConfig;
