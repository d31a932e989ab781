export * from "./artifact-cache.js";
export * from "./convergence.js";
export * from "./event-bus.js";
export * from "./job-events.js";
export * from "./job-queue.js";
export * from "./logger.js";
export * from "./object-store.js";
export * from "./plugin-repo.js";
