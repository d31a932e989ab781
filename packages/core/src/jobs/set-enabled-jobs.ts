import { JobPayloadSchemas, type JobPayloads, type JobResult, PluginStatus } from "@arcade/contracts";
import {
  assertNoEnabledDependents,
  cascadeOrder,
  checkDependencies,
  type Dependent,
} from "../dependencies/index.js";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord } from "../ports/plugin-repo.js";
import { activate, runsOnNodes } from "./activate.js";
import { requirePlugin } from "./artifact-checks.js";
import { failUnapplied, type RecoveryPlan } from "./convergence-recovery.js";
import { defineJob } from "./define-job.js";
import type { JobContext } from "./job-context.js";
import { assertNotLegacy } from "./legacy-plugin.js";
import type { JobServices } from "./services.js";

/** enable: the plugin (its dependencies enabled first) is loaded by every node. */
export const enableJob = defineJob({
  type: "enable",
  payload: JobPayloadSchemas.enable,
  steps: ["persist", "activate"],
  retry: "configured",
  run: (svc, ctx, payload) => runSetEnabled(svc, ctx, "enable", payload),
});

/** disable: every node unloads the plugin (and, with cascade, its enabled dependents first). */
export const disableJob = defineJob({
  type: "disable",
  payload: JobPayloadSchemas.disable,
  steps: ["persist", "activate"],
  retry: "configured",
  run: (svc, ctx, payload) => runSetEnabled(svc, ctx, "disable", payload),
});

/** enable / disable: flip the status, bump the revision, tell the nodes. Already there: no change. */
async function runSetEnabled(
  svc: JobServices,
  ctx: JobContext,
  type: "enable" | "disable",
  payload: JobPayloads["enable"] | JobPayloads["disable"],
): Promise<JobResult> {
  const cascade = "cascade" in payload ? payload.cascade === true : false;
  const target = type === "enable" ? PluginStatus.Enabled : PluginStatus.Disabled;
  const plugin = await requirePlugin(svc, payload.pluginId);
  assertNotLegacy(plugin, type === "enable" ? "enabled" : "disabled");
  const all = await svc.plugins.listAll();
  let chain: Dependent[] = [];
  if (type === "enable" && plugin.isEnabled !== PluginStatus.Enabled) checkDependencies(plugin.manifest, all);
  if (type === "disable") chain = await dependentsToHandle(svc, plugin, all, "disable", { cascade });
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
  const nodes = await ctx.steps.run("activate", async () => {
    const outcome = await activate(svc, {
      type,
      op: type,
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: plugin.version,
      checksum: plugin.checksum,
      loads: type === "enable" && runsOnNodes({ isEnabled: target, legacy: plugin.legacy ?? null }),
      jobId: ctx.jobId,
      revision,
    });
    if (outcome?.state === "failed")
      await failUnapplied(svc, ctx.jobId, outcome, disableAgain(svc, plugin, all));
    return outcome?.nodes ?? null;
  });
  return {
    version: plugin.version,
    checksum: plugin.checksum,
    changed: revision !== null,
    ...(chain.length ? { cascaded: chain.map((d) => d.pluginId) } : {}),
    ...(nodes ? { nodes } : {}),
  };
}

/**
 * An enable no node could load is turned back: the plugin is disabled again, so it is not left
 * enabled-but-broken. Not when enabled plugins depend on it (an enable of a plugin that was
 * already enabled): disabling it would leave them without their dependency.
 */
function disableAgain(svc: JobServices, plugin: PluginRecord, all: PluginRecord[]): RecoveryPlan {
  if (cascadeOrder(plugin.name, all, "enabled").length > 0) {
    return {
      action: "none",
      detail:
        "Enabled plugins depend on it, so it stays enabled. Each node's reason is in `errors`; fix its config or update it.",
    };
  }
  return {
    action: "disabled",
    detail:
      "The plugin was disabled again. Each node's reason is in `errors`; fix its config or update it, then enable it.",
    undo: async (tx) => {
      const current = await tx.findById(plugin.pluginId);
      if (current?.isEnabled !== PluginStatus.Enabled) return false;
      await tx.updatePlugin(plugin.pluginId, {
        isEnabled: PluginStatus.Disabled,
        updateTime: svc.clock.now(),
      });
      return true;
    },
    change: {
      type: "disable",
      op: "disable",
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: plugin.version,
      checksum: plugin.checksum,
      loads: false,
    },
  };
}

/**
 * disable / uninstall: refused with DEPENDENTS_EXIST while enabled plugins
 * depend on this one, unless the request cascades; then those dependents
 * (transitively, dependents first) are handled in the same transaction. Each
 * must be idle: their own job locks are not held by this job.
 */
export async function dependentsToHandle(
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
      throw new AppError("OPERATION_IN_PROGRESS", `dependent ${d.name} has an unfinished job`, {
        detail: `Wait for job ${busy.jobId} to finish, then try again.`,
        extras: { inFlightJobId: busy.jobId, pluginId: d.pluginId },
      });
    }
  }
  return chain;
}
