export * from "./market-client.js";
export { DEFAULT_RETRY, type RetryEvent, type RetryPolicy } from "./retry.js";
export { latestCompatible, selectVersion } from "./select-version.js";
