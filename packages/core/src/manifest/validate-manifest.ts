import type { FieldError, Manifest } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { capFieldErrors, formatFieldErrors } from "../schema/field-errors.js";
import { checkJsonShape } from "../schema/json-shape.js";
import { normaliseEntryPoint } from "./entry-point.js";
import { MANIFEST_JSON_LIMITS, parseManifestJson } from "./manifest-json.js";
import { checkManifestRules } from "./manifest-rules.js";
import { checkManifestSchema } from "./manifest-schema-check.js";

export interface ManifestValidation {
  valid: boolean;
  /** Every problem, JSON pointers into the manifest (`/version`, `/defaultConfig/port`). */
  errors: FieldError[];
  /** A private copy of the manifest with entryPoint normalised; null unless valid. */
  manifest: Manifest | null;
}

// 1 MiB of JSON holds at most this many values in practice; the bound keeps a
// hand-built object (not from JSON.parse) from costing more than a parsed one.
const MANIFEST_SHAPE_LIMITS = { maxDepth: MANIFEST_JSON_LIMITS.maxDepth, maxNodes: 200_000 };

/**
 * Validates a manifest value (already parsed JSON): the contract's ManifestSchema
 * plus the rules beyond it (manifest-rules.ts), all reported at once. Never throws.
 */
export function validateManifest(input: unknown): ManifestValidation {
  try {
    const shape = checkJsonShape(input, MANIFEST_SHAPE_LIMITS);
    if (shape) return invalid([shape]);
    const errors = checkManifestSchema(input);
    if (typeof input === "object" && input !== null && !Array.isArray(input)) {
      errors.push(...checkManifestRules(input as Record<string, unknown>));
    }
    if (errors.length > 0) return invalid(errors);
    const manifest = JSON.parse(JSON.stringify(input)) as Manifest;
    manifest.entryPoint = normaliseEntryPoint(manifest.entryPoint);
    return { valid: true, errors: [], manifest };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return invalid([{ path: "", message: `could not be validated: ${message}` }]);
  }
}

/** parseManifestJson + validateManifest: the text of a manifest.json. Never throws. */
export function validateManifestJson(text: string): ManifestValidation {
  const parsed = parseManifestJson(text);
  if (!parsed.ok) return invalid(parsed.errors);
  return validateManifest(parsed.value);
}

/** The valid manifest, or AppError MANIFEST_INVALID listing every error. */
export function assertValidManifest(result: ManifestValidation, what = "manifest.json"): Manifest {
  if (result.valid && result.manifest) return result.manifest;
  throw new AppError("MANIFEST_INVALID", `${what} is invalid`, {
    errors: result.errors,
    detail: `Fix these fields of ${what}:\n${formatFieldErrors(result.errors)}`,
  });
}

function invalid(errors: FieldError[]): ManifestValidation {
  return { valid: false, errors: capFieldErrors(errors), manifest: null };
}
