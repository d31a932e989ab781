import type { Manifest, PluginType } from "./manifest.js";
import type { PluginPermissions } from "./permissions.js";
import type { PluginVersionCounters, QuarantineReport } from "./rollout.js";

/** `is_enabled` of the original model. */
export const PluginStatus = { Disabled: 0, Enabled: 1, Error: 2 } as const;
export type PluginStatus = (typeof PluginStatus)[keyof typeof PluginStatus];

export type PluginSource = "local" | "market";

/** `error` of every plugin adopted from a pre-refactor installation until a package replaces it. */
export const LEGACY_NATIVE_PLUGIN_ERROR =
  "legacy native plugin: publish it as a plugin package and update it";

/**
 * What a plugin adopted from a pre-refactor Arcade installation (a native `.so` the runtime
 * cannot load) brought along. Present until an update with a real package replaces it.
 */
export interface PluginLegacyInfo {
  /** `plugin_id` of the old rows; differs from `pluginId` only when it was not a valid id here. */
  pluginId: string;
  /** `name` of the old rows; differs from `name` only when two old plugins shared a name. */
  name: string;
  /** `plugin_type` as the old rows had it (e.g. "deploy"); `pluginType` is its mapping. */
  pluginType: string;
  /** Where the old server kept the `.so`. */
  installPath: string | null;
  /** The old row's checksum, as it was written. */
  checksum: string | null;
  /** `is_enabled` of the old current row: the status an update with a package restores. */
  isEnabled: 0 | 1;
  /** When the migration adopted it (ISO 8601). */
  importedAt: string;
}

/** A retained version that is an old native build (no package in the object store). */
export interface PluginVersionLegacyInfo {
  pluginType: string;
  installPath: string | null;
  checksum: string | null;
  isEnabled: 0 | 1;
}

/** The plugin resource as the API answers it (architecture §4). */
export interface PluginResource {
  pluginId: string;
  name: string;
  version: string;
  description: string;
  author: string;
  pluginType: PluginType;
  entryPoint: string;
  configSchema: Record<string, unknown> | null;
  paramsSchema: Record<string, unknown> | null;
  defaultConfig: Record<string, unknown> | null;
  icon: string;
  repository: string;
  documentation: string;
  isEnabled: PluginStatus;
  isBuiltin: 0;
  checksum: string;
  source: PluginSource;
  s3Path: string;
  manifest: Manifest;
  /** What the current version may touch, every part spelled out (from manifest.permissions). */
  permissions: PluginPermissions;
  installTime: string;
  updateTime: string;
  /** Why the plugin is in error (isEnabled 2), when the platform knows; null otherwise. */
  error?: string | null;
  /** Set on a plugin adopted from a pre-refactor installation (see PluginLegacyInfo). */
  legacy?: PluginLegacyInfo | null;
  /** Set by the market update checker. */
  latestVersion?: string | null;
  updateAvailable?: boolean;
  /** Per-node load state, on the detail view only. */
  nodes?: NodePluginState[];
}

export interface PluginVersionResource {
  pluginId: string;
  version: string;
  checksum: string;
  size: number;
  objectKey: string;
  manifest: Manifest;
  /** What this version may touch, as stored with it. */
  permissions: PluginPermissions;
  /** Who installed or updated to this version (and so approved its permissions); null before it was recorded. */
  permissionsApprovedBy: string | null;
  createdAt: string;
  current: boolean;
  /** Set on an old native build adopted from a pre-refactor installation: it cannot be rolled back to. */
  legacy?: PluginVersionLegacyInfo | null;
}

export interface NodePluginState {
  nodeId: string;
  pluginId: string;
  version: string;
  checksum: string;
  state: "loaded" | "error" | "loading" | "unloaded";
  error?: string | null;
  /**
   * The share of calls (percent) each loaded version serves on this node: `{ "1.0.0": 100 }`,
   * `{ "1.0.0": 90, "2.0.0": 10 }` (A/B), `{ "1.0.0": 100, "2.0.0": 0 }` (two-phase prepared).
   * Absent: the node serves `version` only.
   */
  serving?: Record<string, number>;
  /** True while the node holds new calls of the plugin (two-phase freeze). */
  holding?: boolean;
  /** Per version the node has loaded since it started: its counters (rollout analysis). */
  counters?: PluginVersionCounters[];
  /** Set when this node quarantined a version that kept crashing. */
  quarantined?: QuarantineReport | null;
}

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * How a node says it could not fetch a version's artifact: the object store failed, not the
 * version. A job whose nodes all answer this retries (STORAGE_UNAVAILABLE) instead of undoing.
 */
export function artifactUnavailable(label: string, reason: string): string {
  return `artifact ${label} unavailable: ${reason}`;
}

export function isArtifactUnavailable(error: string): boolean {
  return /^artifact \S+ unavailable: /.test(error);
}
