export * from "./plugin-id.js";
export * from "./slugify.js";
