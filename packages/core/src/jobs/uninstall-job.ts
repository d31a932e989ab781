import { JobPayloadSchemas, type JobPayloads, type JobResult } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { activate } from "./activate.js";
import { defineJob } from "./define-job.js";
import type { JobContext } from "./job-context.js";
import { pluginPrefix } from "./object-keys.js";
import type { JobServices } from "./services.js";
import { dependentsToHandle } from "./set-enabled-jobs.js";

/** uninstall: every node unloads the plugin, then its rows and stored versions go. */
export const uninstallJob = defineJob({
  type: "uninstall",
  payload: JobPayloadSchemas.uninstall,
  steps: ["persist", "activate", "cleanup"],
  retry: "configured",
  run: runUninstall,
});

/**
 * uninstall: the rows go first (desired state: gone) with a revision bump,
 * then the nodes unload it, then every stored version is deleted. A retry
 * after any step finishes the rest.
 */
async function runUninstall(
  svc: JobServices,
  ctx: JobContext,
  payload: JobPayloads["uninstall"],
): Promise<JobResult> {
  const plugin = await svc.plugins.findById(payload.pluginId);
  // A retried attempt may find the rows already gone: then only the later steps are left.
  const alreadyGone = !plugin && ctx.job.attempts > 0;
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
  const nodes = await ctx.steps.run("activate", async () => {
    const outcome = await activate(svc, {
      type: "uninstall",
      op: "uninstall",
      pluginId: payload.pluginId,
      name: plugin?.name ?? payload.pluginId,
      version: plugin?.version ?? null,
      checksum: plugin?.checksum ?? null,
      // The rows are gone: each node must report the plugin gone; the job succeeds either way.
      loads: false,
      jobId: ctx.jobId,
      revision,
    });
    return outcome?.nodes ?? null;
  });
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
