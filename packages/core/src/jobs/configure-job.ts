import { isDeepStrictEqual } from "node:util";
import { JobPayloadSchemas, type JobPayloads, type JobResult } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { validateStoredConfig } from "../schema/index.js";
import { type ActivatedChange, activate, runsOnNodes } from "./activate.js";
import { requirePlugin } from "./artifact-checks.js";
import { failUnapplied, type RecoveryPlan } from "./convergence-recovery.js";
import { defineJob } from "./define-job.js";
import type { JobContext } from "./job-context.js";
import type { JobServices } from "./services.js";

/** configure: the plugin's whole config is replaced; every node reloads it. */
export const configureJob = defineJob({
  type: "configure",
  payload: JobPayloadSchemas.configure,
  steps: ["persist", "activate"],
  retry: "configured",
  run: runConfigure,
});

/** configure: replace the config after validating it against the current configSchema. */
async function runConfigure(
  svc: JobServices,
  ctx: JobContext,
  payload: JobPayloads["configure"],
): Promise<JobResult> {
  const plugin = await requirePlugin(svc, payload.pluginId);
  // Secret values arrive encrypted (the API checked them in clear before it sealed them).
  const errors = validateStoredConfig(plugin.configSchema, payload.config);
  if (errors.length > 0) {
    throw new AppError("CONFIG_INVALID", "config does not satisfy the plugin's configSchema", { errors });
  }
  const previous = (await svc.plugins.getConfig(plugin.pluginId)) ?? {};
  const revision = await ctx.steps.run("persist", () =>
    svc.plugins.transaction(async (tx) => {
      await tx.setConfig(plugin.pluginId, payload.config);
      await tx.updatePlugin(plugin.pluginId, { updateTime: svc.clock.now() });
      return tx.bumpRevision();
    }),
  );
  const nodes = await ctx.steps.run("activate", async () => {
    const change = {
      op: "configure",
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: plugin.version,
      checksum: plugin.checksum,
      loads: runsOnNodes(plugin),
    } as const;
    const outcome = await activate(svc, { ...change, type: "configure", jobId: ctx.jobId, revision });
    if (outcome?.state === "failed") {
      await failUnapplied(
        svc,
        ctx.jobId,
        outcome,
        await restoreConfig(svc, change, payload.config, previous),
      );
    }
    return outcome?.nodes ?? null;
  });
  return { version: plugin.version, checksum: plugin.checksum, ...(nodes ? { nodes } : {}) };
}

/**
 * A config no node could load with (each kept the one it ran): the previous config is stored
 * again, so a node that starts or reloads does not pick up the failing one. Only while the
 * stored config is still this job's (never undone twice; a retried attempt that finds it back
 * reads that as its `previous`, and has nothing to undo).
 */
async function restoreConfig(
  svc: JobServices,
  change: Omit<ActivatedChange, "type" | "jobId" | "revision">,
  applied: Record<string, unknown>,
  previous: Record<string, unknown>,
): Promise<RecoveryPlan> {
  if (isDeepStrictEqual(applied, previous)) return { action: "none" };
  // Read before the transaction (the job holds the plugin's lock: nobody else writes it).
  const stored = (await svc.plugins.getConfig(change.pluginId)) ?? {};
  const undone = !isDeepStrictEqual(stored, applied);
  return {
    action: "restored-config",
    detail:
      "The previous config was stored again and keeps serving. Each node's reason is in `errors`; fix the config and try again.",
    undo: async (tx) => {
      if (undone) return false;
      await tx.setConfig(change.pluginId, previous);
      await tx.updatePlugin(change.pluginId, { updateTime: svc.clock.now() });
      return true;
    },
    change: { ...change, type: "configure" },
  };
}
