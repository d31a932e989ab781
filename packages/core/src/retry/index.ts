export * from "./retry.js";
