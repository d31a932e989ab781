export * from "./mutex.js";
export * from "./with-timeout.js";
