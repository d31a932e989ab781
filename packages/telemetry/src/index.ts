export { jobLogger, requestLogger } from "./child-loggers.js";
export { type CreateLoggerOptions, createLogger, type Logger } from "./create-logger.js";
export { type ArcadeMetrics, type CreateMetricsOptions, createMetrics } from "./create-metrics.js";
export { isSecretKey, REDACTED, redactSecrets } from "./redact.js";
export { redactValues } from "./redact-values.js";
