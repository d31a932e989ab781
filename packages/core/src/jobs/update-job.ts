import { JobPayloadSchemas } from "@arcade/contracts";
import { ARTIFACT_STEPS, compensateArtifactJob, runArtifactJob } from "./artifact-steps.js";
import { defineJob } from "./define-job.js";

/** update: a new version of an installed plugin; the same steps as install (artifact-steps.ts). */
export const updateJob = defineJob({
  type: "update",
  payload: JobPayloadSchemas.update,
  steps: ARTIFACT_STEPS,
  retry: "configured",
  run: (svc, ctx, payload) => runArtifactJob(svc, ctx, { type: "update", payload }),
  compensate: compensateArtifactJob,
});
