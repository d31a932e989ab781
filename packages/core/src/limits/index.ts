export * from "./archive-limits.js";
