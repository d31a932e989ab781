export * from "./plan-change.js";
export * from "./planned-steps.js";
