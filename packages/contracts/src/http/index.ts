export * from "./cluster.js";
export * from "./common.js";
export * from "./jobs.js";
export * from "./openapi.js";
export * from "./plugins.js";
export * from "./resources.js";
export * from "./route.js";
export * from "./system.js";
