import type { JobPayloads, JobResult } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import {
  assertNoEnabledDependents,
  cascadeOrder,
  checkDependencies,
  type Dependent,
} from "../dependencies/index.js";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";
import { validateConfig } from "../schema/index.js";
import { activate } from "./activate.js";
import { checkCompatibility, checkStoredSignature, requirePlugin } from "./artifact-checks.js";
import { assertNotLegacy, assertNotLegacyVersion } from "./legacy-plugin.js";
import { pluginPrefix } from "./object-keys.js";
import type { JobContext } from "./operation-context.js";
import { checkRollbackPermissions } from "./permission-checks.js";
import { manifestColumns } from "./plugin-record.js";
import type { JobServices } from "./services.js";

export const STATE_STEPS = ["persist", "activate"] as const;
export const UNINSTALL_STEPS = ["persist", "activate", "cleanup"] as const;

/** enable / disable: flip the status, bump the revision, tell the nodes. Already there: no change. */
export async function runSetEnabled(
  svc: JobServices,
  ctx: JobContext,
  type: "enable" | "disable",
  payload: JobPayloads["enable"] | JobPayloads["disable"],
): Promise<JobResult> {
  const target = type === "enable" ? PluginStatus.Enabled : PluginStatus.Disabled;
  const plugin = await requirePlugin(svc, payload.pluginId);
  assertNotLegacy(plugin, type === "enable" ? "enabled" : "disabled");
  const all = await svc.plugins.listAll();
  let chain: Dependent[] = [];
  if (type === "enable" && plugin.isEnabled !== PluginStatus.Enabled) checkDependencies(plugin.manifest, all);
  if (type === "disable")
    chain = await dependentsToHandle(svc, plugin, all, "disable", payload as JobPayloads["disable"]);
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      const current = await tx.findById(plugin.pluginId);
      if (!current) throw new AppError("PLUGIN_NOT_FOUND", `plugin ${plugin.pluginId} does not exist`);
      if (current.isEnabled === target && chain.length === 0) return null;
      const now = svc.clock.now();
      // Dependents first, so no enabled plugin is ever left without its dependency.
      for (const d of chain) await tx.updatePlugin(d.pluginId, { isEnabled: target, updateTime: now });
      await tx.updatePlugin(plugin.pluginId, { isEnabled: target, updateTime: now });
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
    ...(chain.length ? { cascaded: chain.map((d) => d.pluginId) } : {}),
    ...(nodes ? { nodes } : {}),
  };
}

/**
 * disable / uninstall: refused with DEPENDENTS_EXIST while enabled plugins
 * depend on this one, unless the request cascades; then those dependents
 * (transitively, dependents first) are handled in the same transaction. Each
 * must be idle: their own operation locks are not held by this job.
 */
async function dependentsToHandle(
  svc: JobServices,
  plugin: PluginRecord,
  all: PluginRecord[],
  action: "disable" | "uninstall",
  payload: { cascade?: boolean },
): Promise<Dependent[]> {
  if (!payload.cascade) {
    assertNoEnabledDependents(plugin, all, action);
    return [];
  }
  const chain = cascadeOrder(plugin.name, all, "enabled");
  for (const d of chain) {
    const busy = await svc.jobs.findUnfinished(d.pluginId);
    if (busy) {
      throw new AppError("OPERATION_IN_PROGRESS", `dependent ${d.name} has an unfinished operation`, {
        detail: `Wait for job ${busy.jobId} to finish, then try again.`,
        extras: { inFlightJobId: busy.jobId, pluginId: d.pluginId },
      });
    }
  }
  return chain;
}

/** configure: replace the config after validating it against the current configSchema. */
export async function runConfigure(
  svc: JobServices,
  ctx: JobContext,
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
    assertNotLegacyVersion(plugin, found);
    return found;
  }
  const previous = versions.find((v) => v.version !== plugin.version);
  if (!previous) {
    throw new AppError("VERSION_NOT_FOUND", `${plugin.pluginId} has no earlier version to roll back to`);
  }
  assertNotLegacyVersion(plugin, previous);
  return previous;
}

export async function runRollback(
  svc: JobServices,
  ctx: JobContext,
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
  if (plugin.version !== target.version) await checkCompatibility(svc, target.manifest, plugin);
  // The version's stored signature against the worker's current keys: a key revoked since
  // the install refuses the rollback here (KEY_REVOKED) instead of failing on every node.
  checkStoredSignature(svc, target);
  const permissions = checkRollbackPermissions(svc, target.manifest);
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
    // A rollback goes back to permissions someone approved when that version was installed.
    permissions: target.permissions ?? permissions,
    permissionsApprovedBy: target.permissionsApprovedBy ?? null,
    ...(nodes ? { nodes } : {}),
  };
}

/**
 * uninstall: the rows go first (desired state: gone) with a revision bump,
 * then the nodes unload it, then every stored version is deleted. A retry
 * after any step finishes the rest.
 */
export async function runUninstall(
  svc: JobServices,
  ctx: JobContext,
  payload: JobPayloads["uninstall"],
): Promise<JobResult> {
  const plugin = await svc.plugins.findById(payload.pluginId);
  // A retried attempt may find the rows already gone: then only the later steps are left.
  const alreadyGone = !plugin && ctx.operation.attempts > 0;
  if (!plugin && !alreadyGone)
    throw new AppError("PLUGIN_NOT_FOUND", `plugin ${payload.pluginId} does not exist`);
  const chain = plugin
    ? await dependentsToHandle(svc, plugin, await svc.plugins.listAll(), "uninstall", payload)
    : [];
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      if (!(await tx.findById(payload.pluginId))) return null;
      for (const d of chain) await tx.deletePlugin(d.pluginId);
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
  const deleted = await ctx.steps.run("cleanup", async () => {
    let count = 0;
    for (const id of [...chain.map((d) => d.pluginId), payload.pluginId]) {
      count += await svc.store.deleteByPrefix(pluginPrefix(id));
    }
    return count;
  });
  return {
    version: plugin?.version,
    deletedObjects: deleted,
    ...(chain.length ? { cascaded: chain.map((d) => d.pluginId) } : {}),
    ...(nodes ? { nodes } : {}),
  };
}
