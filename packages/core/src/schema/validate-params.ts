import type { FieldError } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { formatFieldErrors } from "./field-errors.js";
import { paramsSchemaFor } from "./params-schema.js";
import { validateAgainst } from "./schema-compiler.js";
import { overlongStrings } from "./string-cap.js";

/** Where params sit in an action call's body (`{ "params": {...}, "timeoutMs": 5000 }`). */
export const PARAMS_BASE_PATH = "/params";

/**
 * Checks the params of one action call against the manifest's paramsSchema (either
 * form, see params-schema.ts). Missing params count as `{}`. Pointers start at
 * `/params`, matching the request body. Strings and keys longer than
 * MAX_VALUE_STRING_CHARS are refused whatever the schema says.
 */
export function validateParams(paramsSchema: unknown, action: string, params: unknown): FieldError[] {
  // Before the schema: no format check or pattern runs on an oversized string.
  const overlong = overlongStrings(params, PARAMS_BASE_PATH);
  if (overlong.length > 0) return overlong;
  const schema = paramsSchemaFor(paramsSchema, action);
  if (schema === null) return [];
  return validateAgainst(schema, params === undefined ? {} : params, PARAMS_BASE_PATH);
}

/** validateParams, throwing PARAMS_INVALID with every error. */
export function assertParams(paramsSchema: unknown, action: string, params: unknown): void {
  const errors = validateParams(paramsSchema, action, params);
  if (errors.length === 0) return;
  throw new AppError("PARAMS_INVALID", `the params do not satisfy the paramsSchema of action "${action}"`, {
    errors,
    detail: `Fix these fields and call the action again:\n${formatFieldErrors(errors)}`,
  });
}
