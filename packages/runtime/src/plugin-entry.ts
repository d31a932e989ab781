import type { LoadedPlugin, PluginErrorKind, PluginSpec } from "./plugin-types.js";
import { stableJson } from "./stable-json.js";

export interface CallStats {
  calls: number;
  errors: number;
  lastError: string | null;
}

/** The host's own record; LoadedPlugin is the copy handed out. */
export interface Entry extends Omit<LoadedPlugin, "actions"> {
  /** version + checksum + config of the last load that failed for a reason of its own. */
  failedFingerprint: string | null;
  stats: CallStats;
  restartTimer: NodeJS.Timeout | null;
}

export function effectiveConfig(spec: Pick<PluginSpec, "manifest" | "config">): Record<string, unknown> {
  return { ...(spec.manifest.defaultConfig ?? {}), ...(spec.config ?? {}) };
}

export function fingerprint(version: string, checksum: string, config: Record<string, unknown>): string {
  return `${version}\n${checksum}\n${stableJson(config)}`;
}

export function errorEntry(
  spec: Omit<PluginSpec, "dir" | "config"> & Partial<PluginSpec>,
  message: string,
  kind: PluginErrorKind,
  stats: CallStats | undefined,
): Entry {
  return {
    pluginId: spec.pluginId,
    version: spec.version,
    checksum: spec.checksum,
    manifest: spec.manifest,
    dir: spec.dir ?? "",
    config: effectiveConfig({ manifest: spec.manifest, config: spec.config ?? null }),
    sandbox: null,
    state: "error",
    error: message,
    errorKind: kind,
    lastSwapError: null,
    restarts: 0,
    failedFingerprint: null,
    stats: stats ?? { calls: 0, errors: 0, lastError: null },
    restartTimer: null,
  };
}

/** The entry of a version whose sandbox just loaded and initialised it. */
export function loadedEntry(
  spec: PluginSpec,
  config: Record<string, unknown>,
  sandbox: NonNullable<Entry["sandbox"]>,
  stats: CallStats | undefined,
): Entry {
  return {
    ...spec,
    config,
    sandbox,
    state: "loaded",
    error: null,
    errorKind: null,
    lastSwapError: null,
    restarts: 0,
    failedFingerprint: null,
    stats: stats ?? { calls: 0, errors: 0, lastError: null },
    restartTimer: null,
  };
}

export function publicView(entry: Entry): LoadedPlugin {
  return {
    pluginId: entry.pluginId,
    version: entry.version,
    checksum: entry.checksum,
    manifest: entry.manifest,
    dir: entry.dir,
    config: entry.config,
    sandbox: entry.sandbox,
    state: entry.state,
    error: entry.error,
    errorKind: entry.errorKind,
    lastSwapError: entry.lastSwapError,
    restarts: entry.restarts,
    actions: entry.sandbox?.actions ?? [],
  };
}
