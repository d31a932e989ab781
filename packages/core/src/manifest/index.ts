export * from "./entry-point.js";
export * from "./manifest-json.js";
export * from "./manifest-rules.js";
export * from "./manifest-schema-check.js";
export { PLUGIN_NAME_RULE } from "./plugin-name.js";
export * from "./relative-path.js";
export * from "./resource-quantity.js";
export * from "./validate-manifest.js";
