export * from "./ab-split.js";
export * from "./convergence.js";
export * from "./crash-loop.js";
export * from "./duration.js";
export * from "./rollout-batches.js";
export * from "./rollout-machine.js";
export * from "./step-analysis.js";
export * from "./validate-rollout.js";
