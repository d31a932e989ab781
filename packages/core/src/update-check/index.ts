export * from "./check-for-updates.js";
