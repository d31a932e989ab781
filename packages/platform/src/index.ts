export * from "./config-secrets.js";
export * from "./database-options.js";
export * from "./infrastructure.js";
export * from "./lifecycle.js";
export * from "./node.js";
export * from "./object-store-options.js";
export * from "./rewrap-secrets.js";
export * from "./version.js";
