/**
 * Messages between a sandbox (parent) and its worker thread (bootstrap.mjs).
 * The bootstrap is plain JavaScript, so these types are the written contract.
 */

/** Passed to the thread as `workerData`. */
export interface BootstrapData {
  entryUrl: string;
  pluginId: string;
  version: string;
  config: Record<string, unknown>;
  /** Checked before init, so a plugin lacking one never runs any code of its own. */
  requiredActions: readonly string[];
}

export interface SerializedError {
  message: string;
  name: string;
  stack?: string;
  /** `code` property of the thrown error, when it had a string one. */
  code?: string;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export type ParentMessage =
  | { type: "invoke"; id: number; action: string; params: unknown }
  | { type: "cleanup" };

export type WorkerMessage =
  | { type: "ready"; actions: string[] }
  | { type: "load-error"; stage: "import" | "shape" | "init"; missing?: string[]; error: SerializedError }
  | { type: "log"; level: LogLevel; msg: string; fields?: Record<string, unknown> }
  | { type: "result"; id: number; ok: true; result: unknown }
  | { type: "result"; id: number; ok: false; error: SerializedError; notCloneable?: boolean }
  | { type: "cleaned"; error?: SerializedError };
