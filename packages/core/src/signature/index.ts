export * from "./ed25519.js";
export * from "./signature-file.js";
export * from "./signature-policy.js";
