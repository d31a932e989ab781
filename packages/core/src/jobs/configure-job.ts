import { JobPayloadSchemas, type JobPayloads, type JobResult } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { validateStoredConfig } from "../schema/index.js";
import { activate } from "./activate.js";
import { requirePlugin } from "./artifact-checks.js";
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
