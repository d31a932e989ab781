import type { FieldError } from "@arcade/contracts";
import type { ErrorObject } from "ajv";
import { joinPointer } from "./json-pointer.js";
import { FORMAT_MESSAGES } from "./platform-formats.js";

/** Enough to fix a document; more would only let a hostile input grow the response. */
export const MAX_FIELD_ERRORS = 100;

export interface FieldErrorOptions {
  /** Returns a better message for one ajv error, or undefined to keep the default. */
  describe?: (error: ErrorObject) => string | undefined;
}

/**
 * Turns ajv's errors into FieldErrors: JSON pointers prefixed by `basePath`, a
 * `required`/`additionalProperties` error pointing at the property itself, the
 * branch failures of an `anyOf`/`oneOf` folded into one message, duplicates dropped,
 * at most MAX_FIELD_ERRORS entries.
 */
export function ajvErrorsToFieldErrors(
  errors: readonly ErrorObject[] | null | undefined,
  basePath = "",
  options: FieldErrorOptions = {},
): FieldError[] {
  if (!errors || errors.length === 0) return [];
  const folded = foldAlternatives(errors);
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const item of folded) {
    const error = item.error;
    const path = basePath + pathOf(error);
    const message = options.describe?.(error) ?? item.message ?? defaultMessage(error);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return capFieldErrors(out);
}

/** Keeps the first MAX_FIELD_ERRORS errors and says how many more there were. */
export function capFieldErrors(errors: FieldError[], max = MAX_FIELD_ERRORS): FieldError[] {
  if (errors.length <= max) return errors;
  const kept = errors.slice(0, max - 1);
  const last = errors[max - 1]!;
  kept.push({
    path: last.path,
    message: `${errors.length - max + 1} more errors not shown; fix these first`,
  });
  return kept;
}

/** `path: message` lines for a human-readable detail text. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path || "(document)"}: ${e.message}`).join("\n");
}

function pathOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    return joinPointer(error.instancePath, params.missingProperty);
  }
  if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    return joinPointer(error.instancePath, params.additionalProperty);
  }
  return error.instancePath;
}

function defaultMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not an allowed property";
    case "format": {
      const format = String(params.format);
      return FORMAT_MESSAGES[format] ?? `must be a valid ${format}`;
    }
    case "enum": {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return `must be one of ${listValues(allowed)}`;
    }
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}

interface Folded {
  error: ErrorObject;
  message?: string;
}

/**
 * ajv reports an `anyOf`/`oneOf` failure as every branch's error followed by
 * "must match a schema in anyOf". Branch failures at the same instance path
 * (`type`, `const`, `enum`) are merged into the alternative's message, so a
 * union of literals reads "must be one of "a", "b"" instead of N lines.
 */
function foldAlternatives(errors: readonly ErrorObject[]): Folded[] {
  const alternativesAt = new Set<string>();
  for (const e of errors)
    if (e.keyword === "anyOf" || e.keyword === "oneOf") alternativesAt.add(e.instancePath);
  if (alternativesAt.size === 0) return errors.map((error) => ({ error }));

  const branchMessages = new Map<string, { consts: unknown[]; others: string[] }>();
  const kept: ErrorObject[] = [];
  for (const e of errors) {
    const isBranch =
      alternativesAt.has(e.instancePath) &&
      (e.keyword === "type" || e.keyword === "const" || e.keyword === "enum");
    if (!isBranch) {
      kept.push(e);
      continue;
    }
    const entry = branchMessages.get(e.instancePath) ?? { consts: [], others: [] };
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "const") entry.consts.push(params.allowedValue);
    else if (e.keyword === "enum" && Array.isArray(params.allowedValues))
      entry.consts.push(...params.allowedValues);
    else entry.others.push(e.message ?? "must be of another type");
    branchMessages.set(e.instancePath, entry);
  }
  return kept.map((error) => {
    if (error.keyword !== "anyOf" && error.keyword !== "oneOf") return { error };
    // oneOf also fails when several branches match: ajv's own message says so.
    if ((error.params as Record<string, unknown>).passingSchemas != null) return { error };
    const branches = branchMessages.get(error.instancePath);
    if (!branches) return { error, message: "must match one of the allowed forms" };
    const parts: string[] = [];
    if (branches.consts.length > 0) parts.push(`must be one of ${listValues(branches.consts)}`);
    parts.push(...new Set(branches.others));
    return { error, message: parts.join(" or ") };
  });
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 20).map((v) => JSON.stringify(v));
  return values.length > 20 ? `${shown.join(", ")}, ...` : shown.join(", ");
}
