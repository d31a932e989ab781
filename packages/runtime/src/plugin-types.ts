import type { Manifest, PluginType } from "@arcade/contracts";
import type { Sandbox } from "./sandbox/sandbox.js";

/** What to load: one version of one plugin, unpacked in `dir`. */
export interface PluginSpec {
  pluginId: string;
  version: string;
  /** Lowercase hex SHA-256 of the artifact the folder was unpacked from. */
  checksum: string;
  manifest: Manifest;
  /** The unpacked plugin folder (manifest.json and the entry module). */
  dir: string;
  /** The stored config; merged over manifest.defaultConfig. Null: defaults only. */
  config: Record<string, unknown> | null;
}

/**
 * Why a plugin is in the error state:
 * - `load`: import, shape, required actions, config or init failed; stays until the next change;
 * - `crash`: it crashed after loading; restarted with backoff;
 * - `dependency`: a dependency is missing, of the wrong version, or in a cycle; re-checked on every reconcile;
 * - `artifact`: its artifact could not be fetched or verified; retried on every reconcile.
 */
export type PluginErrorKind = "load" | "crash" | "dependency" | "artifact";

export type PluginRunState = "loaded" | "error";

/** The host's record of one plugin (a copy; changing it changes nothing). */
export interface LoadedPlugin {
  pluginId: string;
  version: string;
  checksum: string;
  manifest: Manifest;
  dir: string;
  /** The config init received: defaultConfig merged with the stored config. */
  config: Record<string, unknown>;
  sandbox: Sandbox | null;
  state: PluginRunState;
  error: string | null;
  errorKind: PluginErrorKind | null;
  /** The last hot swap that failed while this version kept serving. */
  lastSwapError: string | null;
  /** Crash restarts since the last change or the last stable run. */
  restarts: number;
  /** Actions the plugin exports. Empty when not loaded. */
  actions: readonly string[];
}

/** One row of GET /plugins/metrics. */
export interface PluginStatusRow {
  pluginId: string;
  name: string;
  type: PluginType;
  version: string;
  path: string;
  description: string;
  state: PluginRunState;
  error: string | null;
  lastSwapError: string | null;
  calls: number;
  errors: number;
  lastError: string | null;
  restarts: number;
  uptimeMs: number;
  memoryLimitMb: number | null;
  /** RLIMIT_AS of the plugin's process (heap + memory outside it + an idle Node); null: not bounded. */
  addressSpaceLimitMb: number | null;
  /** Pid of the plugin's process. */
  pid: number | null;
  /** Operations its manifest did not grant that it tried (and that surfaced), since it was loaded here. */
  denials: number;
  /** The last of them, as `fs.read /etc/hostname`. */
  lastDenial: string | null;
}

export interface InvokeOptions {
  /** Bound on this call; the host's default when absent. */
  timeoutMs?: number;
  /**
   * While a second version of the plugin is loaded (A/B): the key that keeps this caller on one
   * version. Wins over `header`.
   */
  callerKey?: string;
  /**
   * The call's request headers: the host reads the caller key from the header the plugin's
   * rollout names (its placement's callerKeyHeader), which only the node knows.
   */
  header?: (name: string) => string | undefined;
}

export interface InvokeResult {
  result: unknown;
  pluginId: string;
  /** The version that answered (during a hot swap: the old or the new one). */
  version: string;
  durationMs: number;
}
