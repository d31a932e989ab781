/**
 * Messages between a sandbox (parent) and its plugin process (bootstrap.mjs), over
 * Node's IPC channel with `serialization: "advanced"` (structured clone).
 * The bootstrap is plain JavaScript, so these types are the written contract.
 */

/** Sent once the process said hello: what to load and with what. */
export interface InitMessage {
  type: "init";
  entryUrl: string;
  pluginId: string;
  version: string;
  config: Record<string, unknown>;
  /** Checked before init, so a plugin lacking one never runs any code of its own. */
  requiredActions: readonly string[];
  /** The declared variables of the node's environment that are set (manifest permissions.env). */
  env: Record<string, string>;
}

export interface SerializedError {
  message: string;
  name: string;
  stack?: string;
  /** `code` property of the thrown error, when it had a string one. */
  code?: string;
  /** What the permission model refused, when that is why it failed: `fs.read /etc/hostname`. */
  denied?: string;
  /** The denial was a ctx.fetch the parent refused, and already counted. */
  counted?: boolean;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** A request the plugin makes through ctx.fetch (or its global fetch). */
export interface FetchRequestMessage {
  type: "fetch";
  id: number;
  url: string;
  method: string;
  headers: [string, string][];
  body: Uint8Array | null;
  redirect: "follow" | "manual" | "error";
}

export type FetchResultMessage =
  | {
      type: "fetch-result";
      id: number;
      ok: true;
      status: number;
      statusText: string;
      headers: [string, string][];
      body: Uint8Array;
      url: string;
      redirected: boolean;
    }
  | { type: "fetch-result"; id: number; ok: false; error: string; denied?: string };

export type ParentMessage =
  | InitMessage
  | { type: "invoke"; id: number; action: string; params: unknown }
  | FetchResultMessage
  | { type: "cleanup" };

export type ChildMessage =
  | { type: "hello"; pid: number }
  | { type: "ready"; actions: string[] }
  | { type: "load-error"; stage: "import" | "shape" | "init"; missing?: string[]; error: SerializedError }
  | { type: "log"; level: LogLevel; msg: string; fields?: Record<string, unknown> }
  | { type: "result"; id: number; ok: true; result: unknown }
  | { type: "result"; id: number; ok: false; error: SerializedError; notCloneable?: boolean }
  | { type: "cleaned"; error?: SerializedError }
  | FetchRequestMessage
  | { type: "fetch-abort"; id: number }
  | { type: "fatal"; error: SerializedError };
