export * from "./ab-split.js";
export * from "./crash-loop.js";
export * from "./duration.js";
export * from "./rollout-batches.js";
export * from "./step-analysis.js";
export * from "./validate-rollout.js";
