export type { CapturedLog, LogLevel } from "./harness/capturing-logger.js";
export {
  createHarness,
  type Harness,
  type HarnessOptions,
  type InvokeOptions,
} from "./harness/create-harness.js";
export { readManifestFile, resolveEntryPoint } from "./manifest/read-manifest-file.js";
export { isExcluded } from "./pack/collect-files.js";
export { type PackOptions, type PackResult, pack } from "./pack/pack.js";
export {
  generateSigningKey,
  keyIdOf,
  type SignatureFile,
  type SigningKey,
  signDigest,
  verifySignatureFile,
} from "./pack/signing.js";
export {
  type ActionHandler,
  type ActionMap,
  definePlugin,
  type JsonObject,
  type PluginContext,
  type PluginDefinition,
  type PluginLogFn,
  type PluginLogger,
  REQUIRED_ACTION_NAMES,
  type RequiredAction,
} from "./plugin-definition.js";
