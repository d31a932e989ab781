export * from "./duration.js";
export * from "./rollout-batches.js";
export * from "./step-analysis.js";
export * from "./validate-rollout.js";
