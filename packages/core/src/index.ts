export * from "./errors/app-error.js";
export * from "./ports/index.js";
