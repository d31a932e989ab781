export * from "./archive/index.js";
export * from "./errors/app-error.js";
export * from "./ids/index.js";
export * from "./manifest/index.js";
export * from "./operations/index.js";
export * from "./ports/index.js";
export * from "./schema/index.js";
