export * from "./job-failure.js";
export * from "./job-producer.js";
export * from "./job-worker.js";
export * from "./queue-name.js";
export * from "./redis-auth-check.js";
export * from "./redis-connection.js";
export * from "./update-check-scheduler.js";
