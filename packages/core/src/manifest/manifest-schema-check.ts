import {
  BYTE_QUANTITY,
  CPU_QUANTITY,
  type FieldError,
  ManifestSchema,
  PLUGIN_TYPES,
} from "@arcade/contracts";
import type { ErrorObject, ValidateFunction } from "ajv";
import { createAjv } from "../schema/ajv-factory.js";
import { ajvErrorsToFieldErrors } from "../schema/field-errors.js";

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  // Compiled on first use, once per process: the schema is fixed.
  compiled ??= createAjv("draft-07", { strict: true }).compile(ManifestSchema);
  return compiled;
}

function describe(error: ErrorObject): string | undefined {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "pattern" && params.pattern === CPU_QUANTITY) {
    return "must be a CPU quantity like 100m, 0.5 or 2";
  }
  if (error.keyword === "pattern" && params.pattern === BYTE_QUANTITY) {
    return "must be a byte quantity like 128Mi, 1Gi, 500M or 1024";
  }
  if (error.keyword === "type" && error.instancePath === "" && params.type === "object") {
    return "must be a JSON object (the manifest)";
  }
  if ((error.keyword === "anyOf" || error.keyword === "const") && error.instancePath === "/pluginType") {
    return `must be one of ${PLUGIN_TYPES.join(", ")}`;
  }
  return undefined;
}

/** The manifest against the contract's ManifestSchema: every error, readable. */
export function checkManifestSchema(input: unknown): FieldError[] {
  const validate = validator();
  if (validate(input)) return [];
  return ajvErrorsToFieldErrors(validate.errors, "", { describe });
}
