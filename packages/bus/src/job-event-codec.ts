import type { JobEvent } from "@arcade/contracts";

/** The stream entry field that holds the event's JSON. */
export const JOB_EVENT_FIELD = "event";

/** Every event type (a Record, so a new member of JobEvent cannot be forgotten here). */
const TYPE_NAMES: Record<JobEvent["type"], true> = {
  state: true,
  step: true,
  node: true,
  rollout: true,
  end: true,
};
const TYPES = new Set(Object.keys(TYPE_NAMES));

export function encodeJobEvent(event: JobEvent): string {
  return JSON.stringify(event);
}

/**
 * The event of one stream entry (its flat field list), or null for an entry this package did not
 * write. Only the worker's user may write these keys (infra/services/redis.sh), so the check is
 * about shape, not trust.
 */
export function decodeJobEvent(fields: readonly string[]): JobEvent | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== JOB_EVENT_FIELD) continue;
    try {
      const value = JSON.parse(fields[i + 1] as string) as { type?: unknown } | null;
      if (typeof value === "object" && value !== null && TYPES.has(value.type as JobEvent["type"])) {
        return value as JobEvent;
      }
    } catch {
      return null;
    }
  }
  return null;
}
