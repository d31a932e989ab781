export * from "./error-codes.js";
export * from "./events.js";
export * from "./job.js";
export * from "./job-events.js";
export * from "./job-payloads.js";
export * from "./manifest.js";
export * from "./permissions.js";
export * from "./plugin.js";
