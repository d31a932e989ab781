import type { Manifest, PluginType } from "./manifest.js";
import type { PluginPermissions } from "./permissions.js";

/** `is_enabled` of the original model. */
export const PluginStatus = { Disabled: 0, Enabled: 1, Error: 2 } as const;
export type PluginStatus = (typeof PluginStatus)[keyof typeof PluginStatus];

export type PluginSource = "local" | "market";

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
}

export interface NodePluginState {
  nodeId: string;
  pluginId: string;
  version: string;
  checksum: string;
  state: "loaded" | "error" | "loading" | "unloaded";
  error?: string | null;
}

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
