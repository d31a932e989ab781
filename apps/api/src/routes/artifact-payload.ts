import type { ArtifactSource, JobPayloads } from "@arcade/contracts";
import type { Principal } from "../http/context.js";
import { rolloutField } from "../uploads/rollout-field.js";

/** What an install or update request carries besides its artifact. */
export interface ArtifactRequest {
  principal: Principal;
  requestId: string | undefined;
  /** The multipart text fields. */
  fields: Record<string, string>;
  /** `?acceptPermissions=true` (update). */
  acceptFromQuery: boolean;
}

/**
 * The payload of an install (pluginId null) or update job, built once for the real request and
 * for its dry run (plan-request.ts), so the plan is made from the payload the job would run.
 */
export function artifactPayload(
  pluginId: string | null,
  artifact: ArtifactSource,
  request: ArtifactRequest,
): { type: "install"; payload: JobPayloads["install"] } | { type: "update"; payload: JobPayloads["update"] } {
  const { principal, fields } = request;
  // The `rollout` field (400 VALIDATION_FAILED / MALFORMED_JSON when bad); absent: the default.
  const rollout = rolloutField(fields);
  const common = {
    requestedBy: principal.name,
    requestedRole: principal.role,
    ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
    ...(rollout === undefined ? {} : { rollout }),
  };
  if (pluginId === null) return { type: "install", payload: { ...common, artifact } };
  return {
    type: "update",
    payload: {
      ...common,
      pluginId,
      artifact,
      ...(fields.allowDowngrade === "true" ? { allowDowngrade: true } : {}),
      // Approves permissions beyond the installed version's only when asked to.
      ...(request.acceptFromQuery || fields.acceptPermissions === "true" ? { acceptPermissions: true } : {}),
    },
  };
}
