import type { JobPayloads, JobResult } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";
import { validateConfig } from "../schema/index.js";
import { activate } from "./activate.js";
import { requirePlugin } from "./artifact-checks.js";
import { pluginPrefix } from "./object-keys.js";
import type { OperationContext } from "./operation-context.js";
import { manifestColumns } from "./plugin-record.js";
import type { OperationServices } from "./services.js";

export const STATE_STEPS = ["persist", "activate"] as const;
export const UNINSTALL_STEPS = ["persist", "activate", "cleanup"] as const;

/** enable / disable: flip the status, bump the revision, tell the nodes. Already there: no change. */
export async function runSetEnabled(
  svc: OperationServices,
  ctx: OperationContext,
  type: "enable" | "disable",
  payload: JobPayloads["enable"] | JobPayloads["disable"],
): Promise<JobResult> {
  const target = type === "enable" ? PluginStatus.Enabled : PluginStatus.Disabled;
  const plugin = await requirePlugin(svc, payload.pluginId);
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      const current = await tx.findById(plugin.pluginId);
      if (!current) throw new AppError("PLUGIN_NOT_FOUND", `plugin ${plugin.pluginId} does not exist`);
      if (current.isEnabled === target) return null;
      await tx.updatePlugin(plugin.pluginId, { isEnabled: target, updateTime: svc.clock.now() });
      return tx.bumpRevision();
    }),
  );
  const nodes = await ctx.steps.run("activate", () =>
    activate(svc, {
      pluginId: plugin.pluginId,
      op: type,
      version: plugin.version,
      checksum: plugin.checksum,
      jobId: ctx.jobId,
      revision,
    }),
  );
  return {
    version: plugin.version,
    checksum: plugin.checksum,
    changed: revision !== null,
    ...(nodes ? { nodes } : {}),
  };
}

/** configure: replace the config after validating it against the current configSchema. */
export async function runConfigure(
  svc: OperationServices,
  ctx: OperationContext,
  payload: JobPayloads["configure"],
): Promise<JobResult> {
  const plugin = await requirePlugin(svc, payload.pluginId);
  const errors = validateConfig(plugin.configSchema, payload.config);
  if (errors.length > 0) {
    throw new AppError("CONFIG_INVALID", "config does not satisfy the plugin's configSchema", { errors });
  }
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      await tx.setConfig(plugin.pluginId, payload.config);
      await tx.updatePlugin(plugin.pluginId, { updateTime: svc.clock.now() });
      return tx.bumpRevision();
    }),
  );
  const nodes = await ctx.steps.run("activate", () =>
    activate(svc, {
      pluginId: plugin.pluginId,
      op: "configure",
      version: plugin.version,
      checksum: plugin.checksum,
      jobId: ctx.jobId,
      revision,
    }),
  );
  return { version: plugin.version, checksum: plugin.checksum, ...(nodes ? { nodes } : {}) };
}

/** The version a rollback goes to: the one asked for, or the newest retained one before the current. */
export function rollbackTarget(
  plugin: PluginRecord,
  versions: PluginVersionRecord[],
  requested: string | undefined,
): PluginVersionRecord {
  if (requested) {
    const found = versions.find((v) => v.version === requested);
    if (!found) {
      throw new AppError("VERSION_NOT_FOUND", `version ${requested} of ${plugin.pluginId} is not retained`, {
        detail: `Retained versions: ${versions.map((v) => v.version).join(", ") || "none"}.`,
      });
    }
    return found;
  }
  const previous = versions.find((v) => v.version !== plugin.version);
  if (!previous) {
    throw new AppError("VERSION_NOT_FOUND", `${plugin.pluginId} has no earlier version to roll back to`);
  }
  return previous;
}

export async function runRollback(
  svc: OperationServices,
  ctx: OperationContext,
  payload: JobPayloads["rollback"],
): Promise<JobResult> {
  const plugin = await requirePlugin(svc, payload.pluginId);
  const target = rollbackTarget(plugin, await svc.plugins.versions(plugin.pluginId), payload.version);
  const head = await svc.store.head(target.objectKey);
  if (!head) {
    throw new AppError(
      "VERSION_NOT_FOUND",
      `the artifact of version ${target.version} is missing from the store`,
    );
  }
  const stored = (await svc.plugins.getConfig(plugin.pluginId)) ?? {};
  const errors = validateConfig(target.manifest.configSchema ?? null, {
    ...(target.manifest.defaultConfig ?? {}),
    ...stored,
  });
  if (errors.length > 0) {
    throw new AppError("CONFIG_INVALID", `the current config does not satisfy version ${target.version}`, {
      errors,
    });
  }
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      const current = await tx.findById(plugin.pluginId);
      if (!current) throw new AppError("PLUGIN_NOT_FOUND", `plugin ${plugin.pluginId} does not exist`);
      if (current.version === target.version && current.checksum === target.checksum) return null;
      await tx.updatePlugin(plugin.pluginId, {
        ...manifestColumns(target.manifest, target.checksum, plugin.pluginId),
        updateTime: svc.clock.now(),
      });
      return tx.bumpRevision();
    }),
  );
  const nodes = await ctx.steps.run("activate", () =>
    activate(svc, {
      pluginId: plugin.pluginId,
      op: "rollback",
      version: target.version,
      checksum: target.checksum,
      jobId: ctx.jobId,
      revision,
    }),
  );
  return {
    version: target.version,
    checksum: target.checksum,
    previousVersion: plugin.version,
    ...(nodes ? { nodes } : {}),
  };
}

/**
 * uninstall: the rows go first (desired state: gone) with a revision bump,
 * then the nodes unload it, then every stored version is deleted. A retry
 * after any step finishes the rest.
 */
export async function runUninstall(
  svc: OperationServices,
  ctx: OperationContext,
  payload: JobPayloads["uninstall"],
): Promise<JobResult> {
  const plugin = await svc.plugins.findById(payload.pluginId);
  // A retried attempt may find the rows already gone: then only the later steps are left.
  const alreadyGone = !plugin && ctx.operation.attempts > 0;
  if (!plugin && !alreadyGone)
    throw new AppError("PLUGIN_NOT_FOUND", `plugin ${payload.pluginId} does not exist`);
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      if (!(await tx.findById(payload.pluginId))) return null;
      await tx.deletePlugin(payload.pluginId);
      return tx.bumpRevision();
    }),
  );
  const nodes = await ctx.steps.run("activate", () =>
    activate(svc, {
      pluginId: payload.pluginId,
      op: "uninstall",
      version: plugin?.version ?? null,
      checksum: plugin?.checksum ?? null,
      jobId: ctx.jobId,
      revision,
    }),
  );
  const deleted = await ctx.steps.run("cleanup", () =>
    svc.store.deleteByPrefix(pluginPrefix(payload.pluginId)),
  );
  return { version: plugin?.version, deletedObjects: deleted, ...(nodes ? { nodes } : {}) };
}
