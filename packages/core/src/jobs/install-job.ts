import { JobPayloadSchemas } from "@arcade/contracts";
import { ARTIFACT_STEPS, compensateArtifactJob, runArtifactJob } from "./artifact-steps.js";
import { defineJob } from "./define-job.js";

/**
 * install: a new plugin from a staged upload or the market. Its steps (artifact-steps.ts) are
 * shared with update. The name is claimed, with the plugin's lock, in the inspect step.
 */
export const installJob = defineJob({
  type: "install",
  payload: JobPayloadSchemas.install,
  steps: ARTIFACT_STEPS,
  retry: "configured",
  run: (svc, ctx, payload) => runArtifactJob(svc, ctx, { type: "install", payload }),
  compensate: compensateArtifactJob,
});
