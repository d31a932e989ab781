export * from "./describe-permissions.js";
export * from "./fs-paths.js";
export * from "./host-port.js";
export * from "./normalize-permissions.js";
export * from "./permission-rules.js";
