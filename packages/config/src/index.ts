export type {
  ArcadeConfig,
  AuthConfig,
  AuthToken,
  ClusterConfig,
  DatabaseConfig,
  DatabaseType,
  LogConfig,
  LogLevel,
  MarketConfig,
  NodeConfig,
  PluginConfig,
  RedisConfig,
  Role,
  RuntimeConfig,
  SecretKey,
  SecretsConfig,
  ServerConfig,
  SignatureConfig,
  StorageConfig,
  StorageType,
  TrustedKey,
  WorkerConfig,
} from "./arcade-config.js";
export { BOOTSTRAP_TOKEN_NAME, sha256Hex } from "./auth-tokens.js";
export { ConfigError, type ConfigIssue } from "./config-error.js";
export { CONFIG_KEYS, type ConfigKey } from "./config-keys.js";
export { describeConfig, REDACTED, redactUrl } from "./describe-config.js";
export { type LoadConfigOptions, loadConfig } from "./load-config.js";
export { formatDuration, formatSize, parseDuration, parseSize } from "./units.js";
