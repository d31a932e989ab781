export * from "./mutex.js";
