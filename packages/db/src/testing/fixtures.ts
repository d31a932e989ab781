import type { RolloutPlacement } from "@arcade/contracts";
import type { JobRecord, PluginRecord, PluginVersionRecord } from "@arcade/core";

/** A complete plugin row; tests override what they look at. */
export function pluginRecord(overrides: Partial<PluginRecord> = {}): PluginRecord {
  const name = overrides.name ?? "slack";
  const version = overrides.version ?? "1.0.0";
  const pluginId = overrides.pluginId ?? `plugin_${name}_abc123`;
  return {
    pluginId,
    name,
    version,
    description: "Sends messages to Slack",
    author: "Arcade Team",
    pluginType: "notify",
    entryPoint: "index.js",
    configSchema: { type: "object", properties: { webhook: { type: "string" } } },
    paramsSchema: null,
    defaultConfig: { webhook: "" },
    icon: "",
    repository: "https://example.test/repo",
    documentation: "",
    isEnabled: 1,
    isBuiltin: 0,
    checksum: "a".repeat(64),
    source: "local",
    s3Path: `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`,
    manifest: { name, version, pluginType: "notify", entryPoint: "index.js" },
    latestVersion: null,
    autoUpdate: false,
    marketId: null,
    installTime: new Date("2024-05-01T10:20:30.123Z"),
    updateTime: new Date("2024-05-01T10:20:30.123Z"),
    ...overrides,
  };
}

export function versionRecord(overrides: Partial<PluginVersionRecord> = {}): PluginVersionRecord {
  const pluginId = overrides.pluginId ?? "plugin_slack_abc123";
  const version = overrides.version ?? "1.0.0";
  return {
    pluginId,
    version,
    checksum: "b".repeat(64),
    objectKey: `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`,
    size: 5_000_000_000,
    manifest: { name: "slack", version, pluginType: "notify", entryPoint: "index.js" },
    createdAt: new Date("2024-05-01T10:00:00.000Z"),
    permissions: null,
    permissionsApprovedBy: null,
    signature: null,
    signatureKeyId: null,
    ...overrides,
  };
}

/** A canary placement of slack 1.0.0 -> 1.1.0 on one node. */
export function placementRecord(overrides: Partial<RolloutPlacement> = {}): RolloutPlacement {
  return {
    pluginId: "plugin_slack_abc123",
    jobId: "job-rollout-1",
    fromVersion: "1.0.0",
    toVersion: "1.1.0",
    nodes: ["node-a"],
    alongside: null,
    hold: false,
    updatedAt: "2024-05-01T10:00:00.123Z",
    ...overrides,
  };
}

let jobCounter = 0;

export function operationRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  jobCounter += 1;
  return {
    jobId: `job-${Date.now().toString(36)}-${jobCounter}`,
    type: "install",
    pluginId: "plugin_slack_abc123",
    lockKey: null,
    idempotencyKey: null,
    state: "queued",
    step: null,
    progress: 0,
    steps: [{ name: "fetch", state: "pending" }],
    attempts: 0,
    payload: { source: "local", stagingKey: "staging/x" },
    error: null,
    result: null,
    requestedBy: "admin",
    createdAt: new Date("2024-05-01T10:00:00.000Z"),
    updatedAt: new Date("2024-05-01T10:00:00.000Z"),
    finishedAt: null,
    ...overrides,
  };
}
