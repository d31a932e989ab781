export * from "./check-dependencies.js";
export * from "./dependency-plugin.js";
export * from "./dependents.js";
export * from "./platform-version.js";
