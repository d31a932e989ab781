import type { AbortOn, JobPayloads, Manifest, RolloutRequest } from "@arcade/contracts";
import type { JobSettings } from "./services.js";

/**
 * The rollout an install or update runs in steps, or null for today's path (every node at once,
 * activate()). The request's own `rollout` wins; then the new version's manifest default
 * (`manifest.rollout`); then `rollout.default_strategy` (config). A plain all-at-once (no
 * split) is not a rollout: it needs no steps.
 */
export function steppedRollout(
  payload: JobPayloads["install"] | JobPayloads["update"],
  manifest: Pick<Manifest, "rollout">,
  settings: Pick<JobSettings, "rollout">,
): RolloutRequest | null {
  const request: RolloutRequest | undefined =
    payload.rollout ??
    manifest.rollout ??
    (settings.rollout && settings.rollout.defaultStrategy !== "all-at-once"
      ? { strategy: settings.rollout.defaultStrategy }
      : undefined);
  if (!request) return null;
  if (request.strategy === "all-at-once" && request.split === undefined) return null;
  return request;
}

/** The analysis' thresholds: the request's, over the config's `rollout.abort_on`, over core's defaults (analyseStep). */
export function abortOnOf(request: RolloutRequest, settings: Pick<JobSettings, "rollout">): AbortOn {
  return { ...settings.rollout?.abortOn, ...definedOnly(request.abortOn ?? {}) };
}

function definedOnly(value: AbortOn): AbortOn {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as AbortOn;
}
