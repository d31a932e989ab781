import { JobPayloadSchemas, type JobPayloads, type JobResult } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";
import { validateStoredConfig } from "../schema/index.js";
import { activate, runsOnNodes } from "./activate.js";
import { checkCompatibility, checkStoredSignature, requirePlugin } from "./artifact-checks.js";
import { failUnapplied, type RecoveryPlan } from "./convergence-recovery.js";
import { defineJob } from "./define-job.js";
import type { JobContext } from "./job-context.js";
import { assertNotLegacyVersion } from "./legacy-plugin.js";
import { checkRollbackPermissions } from "./permission-checks.js";
import { manifestColumns } from "./plugin-record.js";
import type { JobServices } from "./services.js";

/** rollback: back to a retained version (the one asked for, or the newest before the current). */
export const rollbackJob = defineJob({
  type: "rollback",
  payload: JobPayloadSchemas.rollback,
  steps: ["persist", "activate"],
  retry: "configured",
  run: runRollback,
});

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

async function runRollback(
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
  const errors = validateStoredConfig(target.manifest.configSchema ?? null, {
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
  const nodes = await ctx.steps.run("activate", async () => {
    const outcome = await activate(svc, {
      type: "rollback",
      op: "rollback",
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: target.version,
      checksum: target.checksum,
      loads: runsOnNodes(plugin),
      jobId: ctx.jobId,
      revision,
    });
    if (outcome?.state === "failed") {
      await failUnapplied(svc, ctx.jobId, outcome, restoreRolledBack(svc, plugin, target));
    }
    return outcome?.nodes ?? null;
  });
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
 * A rollback no node could load: the plugin row goes back to the version it left, which keeps
 * serving. Only while the row still holds the rollback's target (never undone twice).
 */
function restoreRolledBack(
  svc: JobServices,
  plugin: PluginRecord,
  target: PluginVersionRecord,
): RecoveryPlan {
  if (plugin.version === target.version && plugin.checksum === target.checksum) {
    return { action: "none" };
  }
  return {
    action: "restored-version",
    version: plugin.version,
    undo: async (tx) => {
      const current = await tx.findById(plugin.pluginId);
      if (current?.version !== target.version || current.checksum !== target.checksum) return false;
      await tx.updatePlugin(plugin.pluginId, {
        ...manifestColumns(plugin.manifest, plugin.checksum, plugin.pluginId),
        updateTime: svc.clock.now(),
      });
      return true;
    },
    change: {
      type: "rollback",
      op: "rollback",
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: plugin.version,
      checksum: plugin.checksum,
      loads: runsOnNodes(plugin),
    },
  };
}
