import type { FieldError, PluginChangedEvent, PluginEventOp } from "@arcade/contracts";
import { AppError } from "@arcade/core";

// A record over the union makes the compiler flag any op added to contracts but not here.
const OPS: Record<PluginEventOp, true> = {
  install: true,
  update: true,
  uninstall: true,
  enable: true,
  disable: true,
  configure: true,
  rollback: true,
};

export const PLUGIN_EVENT_OPS = Object.keys(OPS) as PluginEventOp[];

const CHECKSUM = /^[0-9a-f]{64}$/;
const MAX_TEXT = 255;

export type DecodeResult = { ok: true; event: PluginChangedEvent } | { ok: false; errors: FieldError[] };

function isNullableText(value: unknown): value is string | null {
  return value === null || (typeof value === "string" && value.length > 0 && value.length <= MAX_TEXT);
}

/**
 * Checks an untrusted value against the PluginChangedEvent shape and returns a
 * fresh object with only the known fields (unknown fields are dropped, so a newer
 * publisher that adds a field does not break older nodes).
 */
export function validateEvent(value: unknown): DecodeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ path: "", message: "must be an object" }] };
  }
  const v = value as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (typeof v.revision !== "number" || !Number.isSafeInteger(v.revision) || v.revision < 0) {
    errors.push({ path: "/revision", message: "must be a non-negative integer" });
  }
  if (typeof v.pluginId !== "string" || v.pluginId.length === 0 || v.pluginId.length > MAX_TEXT) {
    errors.push({
      path: "/pluginId",
      message: `must be a non-empty string of at most ${MAX_TEXT} characters`,
    });
  }
  if (typeof v.op !== "string" || !Object.hasOwn(OPS, v.op)) {
    errors.push({ path: "/op", message: `must be one of ${PLUGIN_EVENT_OPS.join(", ")}` });
  }
  if (!isNullableText(v.version)) {
    errors.push({ path: "/version", message: "must be null or a non-empty string" });
  }
  if (!(v.checksum === null || (typeof v.checksum === "string" && CHECKSUM.test(v.checksum)))) {
    errors.push({ path: "/checksum", message: "must be null or a lowercase hex SHA-256" });
  }
  if (!isNullableText(v.jobId)) {
    errors.push({ path: "/jobId", message: "must be null or a non-empty string" });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    event: {
      revision: v.revision as number,
      pluginId: v.pluginId as string,
      op: v.op as PluginEventOp,
      version: v.version as string | null,
      checksum: v.checksum as string | null,
      jobId: v.jobId as string | null,
    },
  };
}

/** Parses one pub/sub message. Never throws: a bad message is reported, not fatal. */
export function decodeEvent(message: string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { ok: false, errors: [{ path: "", message: "not valid JSON" }] };
  }
  return validateEvent(parsed);
}

/** Serialises an event for publishing; an invalid event is a bug of the publisher. */
export function encodeEvent(event: PluginChangedEvent): string {
  const result = validateEvent(event);
  if (!result.ok) {
    throw new AppError("VALIDATION_FAILED", "Refusing to publish an invalid plugin event", {
      errors: result.errors,
    });
  }
  return JSON.stringify(result.event);
}
