import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { CONFIG_KEYS } from "./config-keys.js";
import { loadConfig } from "./load-config.js";

const MiB = 1024 ** 2;
const HASH = "AB".repeat(32);
const RAW_KEY = "ZoPbmOcLXuXjRrMzLtVXwqyZ5g9X++nMJUt+E6pYn1k=";
const SECRET_KEYS_FILE = join(import.meta.dirname, "testing", "sample-secret-keys");
const SECRET_KEY = "uG0wqSStuJaJqJ12CpW1o04YQHyucIvEA+X00UWUNGo=";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function read(config: object, path: string): unknown {
  const [section, key] = path.split(".") as [string, string];
  return (config as Record<string, Record<string, unknown>>)[section]?.[camel(key)];
}

/** One non-default value per key: as an env string, as a TOML value, and what the config holds. */
const SAMPLES: Record<string, { env: string; toml: unknown; expected: unknown }> = {
  "server.host": { env: "0.0.0.0", toml: "0.0.0.0", expected: "0.0.0.0" },
  "server.port": { env: "9090", toml: 9090, expected: 9090 },
  "server.data_dir": { env: "/srv/arcade", toml: "/srv/arcade", expected: "/srv/arcade" },
  "server.body_limit_json": { env: "2MiB", toml: "2MiB", expected: 2 * MiB },
  "server.rate_limit_per_minute": { env: "0", toml: 0, expected: 0 },
  "server.trust_proxy": { env: "true", toml: true, expected: true },
  "server.public_url": { env: "https://a.example", toml: "https://a.example", expected: "https://a.example" },
  "server.headers_timeout": { env: "5s", toml: 5, expected: 5000 },
  "server.request_timeout": { env: "20s", toml: "20s", expected: 20_000 },
  "server.upload_timeout": { env: "10m", toml: "10m", expected: 600_000 },
  "server.keep_alive_timeout": { env: "2s", toml: 2, expected: 2000 },
  "server.max_connections": { env: "50", toml: 50, expected: 50 },
  "server.allowed_hosts": {
    env: "arcade.example.com, Arcade.internal:8443",
    toml: ["arcade.example.com", "Arcade.internal:8443"],
    expected: ["arcade.example.com", "arcade.internal:8443"],
  },
  "server.rate_limit_per_address_per_minute": { env: "100", toml: 100, expected: 100 },
  "server.rate_limit_auth_failures_per_minute": { env: "0", toml: 0, expected: 0 },
  "database.type": { env: "mysql", toml: "mysql", expected: "mysql" },
  "database.sqlite_path": { env: "/srv/db.sqlite", toml: "/srv/db.sqlite", expected: "/srv/db.sqlite" },
  "database.url": {
    env: "mysql://u:p@db:3307/arc",
    toml: "mysql://u:p@db:3307/arc",
    expected: "mysql://u:p@db:3307/arc",
  },
  "database.host": { env: "db2", toml: "db2", expected: "db2" },
  "database.port": { env: "3308", toml: 3308, expected: 3308 },
  "database.user": { env: "bob", toml: "bob", expected: "bob" },
  "database.password": { env: "pw", toml: "pw", expected: "pw" },
  "database.database": { env: "arcade_x", toml: "arcade_x", expected: "arcade_x" },
  "database.pool_size": { env: "20", toml: 20, expected: 20 },
  "database.connect_timeout": { env: "2s", toml: "2s", expected: 2000 },
  "database.ssl": { env: "true", toml: true, expected: true },
  "database.ssl_ca": {
    env: "/etc/ssl/db-ca.pem",
    toml: "/etc/ssl/db-ca.pem",
    expected: "/etc/ssl/db-ca.pem",
  },
  "database.reader_user": { env: "arcade_reader", toml: "arcade_reader", expected: "arcade_reader" },
  "database.reader_password": { env: "rpw", toml: "rpw", expected: "rpw" },
  "redis.url": {
    env: "redis://10.0.0.1:6379",
    toml: "redis://10.0.0.1:6379",
    expected: "redis://10.0.0.1:6379",
  },
  "redis.key_prefix": { env: "arc2", toml: "arc2", expected: "arc2" },
  "redis.allow_unauthenticated": { env: "true", toml: true, expected: true },
  "storage.type": { env: "s3", toml: "s3", expected: "s3" },
  "storage.fs_root": { env: "/srv/objects", toml: "/srv/objects", expected: "/srv/objects" },
  "storage.s3_endpoint": {
    env: "http://127.0.0.1:9000",
    toml: "http://127.0.0.1:9000",
    expected: "http://127.0.0.1:9000",
  },
  "storage.s3_region": { env: "eu-west-1", toml: "eu-west-1", expected: "eu-west-1" },
  "storage.s3_bucket": { env: "my-bucket", toml: "my-bucket", expected: "my-bucket" },
  "storage.s3_access_key_id": { env: "AKID", toml: "AKID", expected: "AKID" },
  "storage.s3_secret_access_key": { env: "SAK", toml: "SAK", expected: "SAK" },
  "storage.s3_reader_access_key_id": { env: "RAKID", toml: "RAKID", expected: "RAKID" },
  "storage.s3_reader_secret_access_key": { env: "RSAK", toml: "RSAK", expected: "RSAK" },
  "storage.s3_force_path_style": { env: "false", toml: false, expected: false },
  "storage.s3_key_prefix": { env: "arcade/", toml: "arcade/", expected: "arcade/" },
  "storage.multipart_part_size": { env: "16MiB", toml: 16, expected: 16 * MiB },
  "plugin.local_cache_dir": { env: "/srv/cache", toml: "/srv/cache", expected: "/srv/cache" },
  "plugin.enable_market": { env: "1", toml: true, expected: true },
  "plugin.market_api": { env: "https://m.example", toml: "https://m.example", expected: "https://m.example" },
  "plugin.auto_check_update": { env: "TRUE", toml: true, expected: true },
  "plugin.update_check_interval": { env: "5m", toml: "5m", expected: 300_000 },
  "plugin.auto_update": { env: "1", toml: true, expected: true },
  "plugin.load_timeout": { env: "3", toml: 3, expected: 3000 },
  "plugin.max_plugin_size": { env: "100MB", toml: "100MB", expected: 100_000_000 },
  "plugin.retain_versions": { env: "5", toml: 5, expected: 5 },
  "plugin.action_timeout": { env: "1m", toml: "1m", expected: 60_000 },
  "plugin.max_entries": { env: "500", toml: 500, expected: 500 },
  "plugin.max_uncompressed_size": { env: "1GiB", toml: "1GiB", expected: 1024 ** 3 },
  "plugin.max_compression_ratio": { env: "50.5", toml: 50.5, expected: 50.5 },
  "plugin.max_memory_mb": { env: "512", toml: 512, expected: 512 },
  "plugin.default_memory_mb": { env: "128", toml: 128, expected: 128 },
  "auth.disabled": { env: "true", toml: true, expected: true },
  "auth.tokens": {
    env: JSON.stringify([{ name: "ci", role: "operator", token_sha256: HASH }]),
    toml: [{ name: "ci", role: "operator", token_sha256: HASH }],
    expected: [{ name: "ci", role: "operator", tokenSha256: HASH.toLowerCase() }],
  },
  "node.id": { env: "node-7", toml: "node-7", expected: "node-7" },
  "node.heartbeat_interval": { env: "2s", toml: "2s", expected: 2000 },
  "node.heartbeat_ttl": { env: "6s", toml: 6, expected: 6000 },
  "node.reconcile_interval": { env: "1m", toml: "1m", expected: 60_000 },
  "node.convergence_timeout": { env: "20s", toml: "20s", expected: 20_000 },
  "node.runtime_enabled": { env: "0", toml: false, expected: false },
  "worker.concurrency": { env: "4", toml: 4, expected: 4 },
  "worker.attempts": { env: "3", toml: 3, expected: 3 },
  "worker.backoff_ms": { env: "250", toml: 250, expected: 250 },
  "worker.job_retention_days": { env: "30", toml: 30, expected: 30 },
  "worker.shutdown_timeout": { env: "10s", toml: "10s", expected: 10_000 },
  "worker.lock_duration": { env: "2m", toml: "2m", expected: 120_000 },
  "worker.metrics_port": { env: "9100", toml: 9100, expected: 9100 },
  "market.request_timeout": { env: "5s", toml: "5s", expected: 5000 },
  "market.token": { env: "mt", toml: "mt", expected: "mt" },
  "signature.require_signature": { env: "true", toml: true, expected: true },
  "signature.trusted_keys": {
    env: JSON.stringify([{ id: "k1", public_key: RAW_KEY }]),
    toml: [{ id: "k1", public_key: RAW_KEY }],
    expected: [
      expect.objectContaining({
        id: "k1",
        publicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n/),
      }),
    ],
  },
  "signature.revoked_keys": { env: "a, b", toml: ["a", "b"], expected: ["a", "b"] },
  "runtime.max_restarts": { env: "2", toml: 2, expected: 2 },
  "runtime.restart_backoff": { env: "500ms", toml: "500ms", expected: 500 },
  "runtime.drain_timeout": { env: "2s", toml: "2s", expected: 2000 },
  "runtime.plugin_uid": { env: "arcade-plugin", toml: "arcade-plugin", expected: "arcade-plugin" },
  "runtime.plugin_gid": { env: "65534", toml: "65534", expected: "65534" },
  "runtime.allowed_host_paths": {
    env: "/etc/ssl/certs, /srv/shared",
    toml: ["/etc/ssl/certs", "/srv/shared"],
    expected: ["/etc/ssl/certs", "/srv/shared"],
  },
  "runtime.warm_spare": { env: "false", toml: false, expected: false },
  "runtime.crash_loop_max": { env: "2", toml: 2, expected: 2 },
  "runtime.crash_loop_window": { env: "90s", toml: "90s", expected: 90_000 },
  "rollout.default_strategy": { env: "canary", toml: "canary", expected: "canary" },
  "rollout.abort_on_error_rate": { env: "0.1", toml: 0.1, expected: 0.1 },
  "rollout.abort_on_crashes": { env: "2", toml: 2, expected: 2 },
  "rollout.abort_on_p99_ratio": { env: "1.5", toml: 1.5, expected: 1.5 },
  "rollout.abort_on_min_calls": { env: "20", toml: 20, expected: 20 },
  "cluster.secret": { env: "s".repeat(32), toml: "s".repeat(32), expected: "s".repeat(32) },
  // The file and the list hold the same key: merged into one.
  "secrets.keys_file": { env: SECRET_KEYS_FILE, toml: SECRET_KEYS_FILE, expected: SECRET_KEYS_FILE },
  "secrets.keys": {
    env: `sample:${SECRET_KEY}`,
    toml: [`sample:${SECRET_KEY}`],
    expected: [{ id: "sample", secret: Buffer.from(SECRET_KEY, "base64") }],
  },
  "secrets.active_key": { env: "sample", toml: "sample", expected: "sample" },
  "log.level": { env: "debug", toml: "debug", expected: "debug" },
  "log.pretty": { env: "true", toml: true, expected: true },
};

function sampleEnv(): Record<string, string> {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k.env, SAMPLES[k.path]!.env]));
}

function sampleToml(): string {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const k of CONFIG_KEYS) {
    doc[k.section] ??= {};
    doc[k.section]![k.key] = SAMPLES[k.path]!.toml;
  }
  return stringify(doc);
}

describe("every key", () => {
  it("has a sample here (add one when adding a key)", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(CONFIG_KEYS.map((k) => k.path).sort());
  });

  it.each(CONFIG_KEYS.map((k) => [k.env, k.path]))("%s overrides %s", (_env, path) => {
    const config = loadConfig({ env: sampleEnv(), cwd: dir });
    expect(read(config, path)).toEqual(SAMPLES[path]!.expected);
  });

  it.each(CONFIG_KEYS.map((k) => [k.path]))("%s is read from the TOML file", (path) => {
    writeFileSync(join(dir, "arcade.toml"), sampleToml());
    const config = loadConfig({ env: {}, cwd: dir });
    expect(read(config, path)).toEqual(SAMPLES[path]!.expected);
  });

  it("env wins over the file", () => {
    writeFileSync(join(dir, "arcade.toml"), '[server]\nport = 7000\n[plugin]\nmax_plugin_size = "1MiB"\n');
    const config = loadConfig({
      env: { ARCADE_SERVER_PORT: "9090", ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "2MiB" },
      cwd: dir,
    });
    expect(config.server.port).toBe(9090);
    expect(config.plugin.maxPluginSize).toBe(2 * MiB);
  });
});

describe("defaults", () => {
  it("give an embedded first run: SQLite and filesystem store under ./.data", () => {
    const config = loadConfig({ env: {}, cwd: dir });
    const data = join(dir, ".data");
    expect(config.file).toBeUndefined();
    expect(config.server).toEqual({
      host: "127.0.0.1",
      port: 8080,
      dataDir: data,
      bodyLimitJson: MiB,
      rateLimitPerMinute: 600,
      trustProxy: false,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      uploadTimeout: 300_000,
      keepAliveTimeout: 5_000,
      maxConnections: 1000,
      allowedHosts: [],
      rateLimitPerAddressPerMinute: 1200,
      rateLimitAuthFailuresPerMinute: 30,
    });
    expect(config.database).toMatchObject({
      type: "sqlite",
      sqlitePath: join(data, "arcade.db"),
      poolSize: 10,
    });
    expect(config.database.connectTimeout).toBe(5000);
    expect(config.storage).toEqual({
      type: "filesystem",
      fsRoot: join(data, "objects"),
      s3Region: "us-east-1",
      s3Bucket: "arcade-plugins",
      s3ForcePathStyle: true,
      s3KeyPrefix: "",
      multipartPartSize: 8 * MiB,
    });
    expect(config.redis).toEqual({
      url: "redis://127.0.0.1:6390",
      keyPrefix: "arcade",
      allowUnauthenticated: false,
    });
    expect(config.cluster).toEqual({ secret: "" });
    expect(config.database).toMatchObject({ ssl: false });
    expect(config.plugin).toEqual({
      localCacheDir: join(data, "cache"),
      enableMarket: false,
      marketApi: "",
      autoCheckUpdate: false,
      updateCheckInterval: 3_600_000,
      autoUpdate: false,
      loadTimeout: 10_000,
      maxPluginSize: 50 * MiB,
      retainVersions: 3,
      actionTimeout: 30_000,
      maxEntries: 10_000,
      maxUncompressedSize: 200 * MiB,
      maxCompressionRatio: 100,
      maxMemoryMb: 256,
      defaultMemoryMb: 64,
    });
    expect(config.auth).toEqual({ disabled: false, tokens: [] });
    expect(config.node).toMatchObject({
      heartbeatInterval: 5000,
      heartbeatTtl: 15_000,
      reconcileInterval: 30_000,
      convergenceTimeout: 10_000,
      runtimeEnabled: true,
    });
    expect(config.node.id).toMatch(new RegExp(`-${process.pid}$`));
    expect(config.worker).toEqual({
      concurrency: 2,
      attempts: 5,
      backoffMs: 1000,
      jobRetentionDays: 7,
      shutdownTimeout: 30_000,
      lockDuration: 30_000,
      metricsPort: 9464,
    });
    expect(config.market).toEqual({ requestTimeout: 10_000 });
    expect(config.signature).toEqual({ requireSignature: false, trustedKeys: [], revokedKeys: [] });
    expect(config.runtime).toEqual({
      maxRestarts: 3,
      restartBackoff: 1000,
      drainTimeout: 10_000,
      pluginUid: "nobody",
      pluginGid: "nogroup",
      allowedHostPaths: [],
      warmSpare: true,
      crashLoopMax: 3,
      crashLoopWindow: 300_000,
    });
    expect(config.rollout).toEqual({
      defaultStrategy: "all-at-once",
      abortOnErrorRate: 0.05,
      abortOnCrashes: 0,
      abortOnP99Ratio: 2,
      abortOnMinCalls: 50,
    });
    expect(config.log).toEqual({ level: "info", pretty: false });
  });

  it("derive the SQLite file, object store and cache from server.data_dir", () => {
    const config = loadConfig({ env: { ARCADE_SERVER_DATA_DIR: "/var/lib/arcade" }, cwd: dir });
    expect(config.database.sqlitePath).toBe("/var/lib/arcade/arcade.db");
    expect(config.storage.fsRoot).toBe("/var/lib/arcade/objects");
    expect(config.plugin.localCacheDir).toBe("/var/lib/arcade/cache");
  });
});

describe("env coercion", () => {
  it.each([
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
    [" True ", true],
  ])("boolean %j -> %j", (raw, value) => {
    expect(loadConfig({ env: { ARCADE_SERVER_TRUST_PROXY: raw }, cwd: dir }).server.trustProxy).toBe(value);
  });

  it("numbers, sizes and durations", () => {
    const config = loadConfig({
      env: {
        ARCADE_SERVER_PORT: " 8081 ",
        ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "1048576B",
        ARCADE_PLUGIN_LOAD_TIMEOUT: "1.5s",
      },
      cwd: dir,
    });
    expect(config.server.port).toBe(8081);
    expect(config.plugin.maxPluginSize).toBe(MiB);
    expect(config.plugin.loadTimeout).toBe(1500);
  });

  it("arrays as comma lists or JSON", () => {
    expect(
      loadConfig({ env: { ARCADE_SIGNATURE_REVOKED_KEYS: "a,b , c" }, cwd: dir }).signature.revokedKeys,
    ).toEqual(["a", "b", "c"]);
    expect(
      loadConfig({ env: { ARCADE_SIGNATURE_REVOKED_KEYS: '["x,y"]' }, cwd: dir }).signature.revokedKeys,
    ).toEqual(["x,y"]);
    expect(
      loadConfig({ env: { ARCADE_SIGNATURE_REVOKED_KEYS: "" }, cwd: dir }).signature.revokedKeys,
    ).toEqual([]);
  });
});

describe("the config file", () => {
  it("is arcade.toml in the working directory when present", () => {
    writeFileSync(join(dir, "arcade.toml"), "[server]\nport = 7001\n");
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.server.port).toBe(7001);
    expect(config.file).toBe(join(dir, "arcade.toml"));
  });

  it("comes from ARCADE_CONFIG (relative to cwd), and the file option wins over it", () => {
    writeFileSync(join(dir, "a.toml"), "[server]\nport = 7002\n");
    writeFileSync(join(dir, "b.toml"), "[server]\nport = 7003\n");
    expect(loadConfig({ env: { ARCADE_CONFIG: "a.toml" }, cwd: dir }).server.port).toBe(7002);
    expect(loadConfig({ file: "b.toml", env: { ARCADE_CONFIG: "a.toml" }, cwd: dir }).server.port).toBe(7003);
  });

  it("must exist when named", () => {
    expect(() => loadConfig({ env: { ARCADE_CONFIG: "nope.toml" }, cwd: dir })).toThrow(
      `config file ${join(dir, "nope.toml")} (from ARCADE_CONFIG) does not exist`,
    );
  });

  it("must be valid TOML; the error says where", () => {
    writeFileSync(join(dir, "arcade.toml"), "[server]\nport = = 1\n");
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/arcade\.toml:2:\d+ is not valid TOML/);
  });

  it("resolves relative paths from its own folder; env paths from the working directory", () => {
    const confDir = join(dir, "conf");
    mkdirSync(confDir);
    writeFileSync(
      join(confDir, "arcade.toml"),
      '[server]\ndata_dir = "data"\n[storage]\nfs_root = "../objects"\n',
    );
    const config = loadConfig({
      env: { ARCADE_CONFIG: "conf/arcade.toml", ARCADE_PLUGIN_LOCAL_CACHE_DIR: "cache-here" },
      cwd: dir,
    });
    expect(config.server.dataDir).toBe(join(confDir, "data"));
    expect(config.database.sqlitePath).toBe(join(confDir, "data", "arcade.db"));
    expect(config.storage.fsRoot).toBe(join(dir, "objects"));
    expect(config.plugin.localCacheDir).toBe(join(dir, "cache-here"));
  });
});

describe("database", () => {
  it("takes host, port, user, password and database from the url", () => {
    const config = loadConfig({
      env: {
        ARCADE_DATABASE_TYPE: "mysql",
        ARCADE_DATABASE_URL: "mysql://ann:p%40ss@db.local:3307/arcade_t",
      },
      cwd: dir,
    });
    expect(config.database).toMatchObject({
      type: "mysql",
      host: "db.local",
      port: 3307,
      user: "ann",
      password: "p@ss",
      database: "arcade_t",
    });
  });

  it("lets an explicit key win over the url's part", () => {
    const config = loadConfig({
      env: { ARCADE_DATABASE_URL: "mysql://ann:old@db.local/arcade_t", ARCADE_DATABASE_PASSWORD: "new" },
      cwd: dir,
    });
    expect(config.database.password).toBe("new");
    expect(config.database.port).toBe(3306);
  });
});

describe("unknown keys", () => {
  it("in the file are errors, with a suggestion", () => {
    writeFileSync(join(dir, "arcade.toml"), "[server]\nprot = 1\n");
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `unknown key server.prot in ${join(dir, "arcade.toml")} (did you mean server.port?)`,
    );
  });

  it("unknown sections and nested keys are errors too", () => {
    writeFileSync(
      join(dir, "arcade.toml"),
      '[serverr]\nport = 1\n[[auth.tokens]]\nname = "a"\nrole = "admin"\ntoken_sha256 = "' +
        "a".repeat(64) +
        '"\nrol = "x"\n',
    );
    const error = captureError(() => loadConfig({ env: {}, cwd: dir }));
    expect(error.message).toContain("unknown section [serverr]");
    expect(error.message).toContain("(did you mean [server]?)");
    expect(error.message).toContain("unknown key auth.tokens[0].rol");
    expect(error.issues).toHaveLength(2);
  });

  it("in the environment are warnings; ARCADE_CONFIG, ARCADE_ADMIN_TOKEN, ARCADE_TEST_* and the CLI's are known", () => {
    const config = loadConfig({
      env: {
        ARCADE_SERVER_PROT: "1",
        ARCADE_NOPE: "x",
        ARCADE_ADMIN_TOKEN: "a-long-enough-admin-token",
        ARCADE_TEST_REDIS_URL: "redis://x",
        ARCADE_API_URL: "http://127.0.0.1:8080",
        ARCADE_TOKEN: "cli-token",
        OTHER: "ignored",
      },
      cwd: dir,
    });
    expect(config.warnings).toEqual([
      "unknown environment variable ARCADE_SERVER_PROT is ignored (did you mean ARCADE_SERVER_PORT?)",
      "unknown environment variable ARCADE_NOPE is ignored",
    ]);
  });
});

describe("cross-key rules", () => {
  it("default_memory_mb may not exceed max_memory_mb", () => {
    expect(() => loadConfig({ env: { ARCADE_PLUGIN_DEFAULT_MEMORY_MB: "512" }, cwd: dir })).toThrow(
      'ARCADE_PLUGIN_DEFAULT_MEMORY_MB="512" (plugin.default_memory_mb): must be at most plugin.max_memory_mb (256)',
    );
    expect(() => loadConfig({ env: { ARCADE_PLUGIN_MAX_MEMORY_MB: "32" }, cwd: dir })).toThrow(
      'ARCADE_PLUGIN_MAX_MEMORY_MB="32" (plugin.max_memory_mb): must be at least plugin.default_memory_mb (64)',
    );
  });

  it("heartbeat_ttl must be longer than heartbeat_interval", () => {
    expect(() => loadConfig({ env: { ARCADE_NODE_HEARTBEAT_TTL: "5s" }, cwd: dir })).toThrow(
      'ARCADE_NODE_HEARTBEAT_TTL="5s" (node.heartbeat_ttl): must be more than node.heartbeat_interval (5000ms)',
    );
  });

  it("a crash loop can only be seen if the host restarts the version that often", () => {
    expect(() => loadConfig({ env: { ARCADE_RUNTIME_CRASH_LOOP_MAX: "5" }, cwd: dir })).toThrow(
      'ARCADE_RUNTIME_CRASH_LOOP_MAX="5" (runtime.crash_loop_max): must be at most runtime.max_restarts + 1 (4)',
    );
    expect(() => loadConfig({ env: { ARCADE_RUNTIME_MAX_RESTARTS: "1" }, cwd: dir })).toThrow(
      'ARCADE_RUNTIME_MAX_RESTARTS="1" (runtime.max_restarts): must be at least runtime.crash_loop_max - 1 (2)',
    );
    expect(
      loadConfig({ env: { ARCADE_RUNTIME_CRASH_LOOP_MAX: "5", ARCADE_RUNTIME_MAX_RESTARTS: "4" }, cwd: dir })
        .runtime.crashLoopMax,
    ).toBe(5);
  });

  it("the nodes' S3 reader key is set as a pair or not at all", () => {
    expect(() =>
      loadConfig({ env: { ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID: "reader-id" }, cwd: dir }),
    ).toThrow(
      "ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID=<hidden> (storage.s3_reader_access_key_id): must be set together with storage.s3_reader_secret_access_key",
    );
    expect(() =>
      loadConfig({ env: { ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY: "reader-secret" }, cwd: dir }),
    ).toThrow(
      "(storage.s3_reader_secret_access_key): must be set together with storage.s3_reader_access_key_id",
    );
  });

  it("enable_market needs market_api", () => {
    expect(() => loadConfig({ env: { ARCADE_PLUGIN_ENABLE_MARKET: "true" }, cwd: dir })).toThrow(
      'plugin.market_api="" (ARCADE_PLUGIN_MARKET_API, the default): must be a market URL',
    );
  });
});

function captureError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
