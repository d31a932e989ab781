export * from "./market-app.js";
export * from "./market-catalog.js";
export * from "./market-server.js";
export * from "./signing-key.js";
