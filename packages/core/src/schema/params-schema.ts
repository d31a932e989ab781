import type { FieldError } from "@arcade/contracts";
import { joinPointer } from "./json-pointer.js";
import { validateJsonSchemaDocument } from "./schema-compiler.js";

/**
 * A manifest's `paramsSchema` takes one of two forms:
 *
 * 1. A JSON Schema: every action's `params` are validated against it.
 *      { "type": "object", "properties": { "channel": { "type": "string" } } }
 *
 * 2. Per action: an object whose `actions` member maps action names to JSON Schemas.
 *    An action without an entry takes any params. `actions` is not a JSON Schema
 *    keyword, which is what tells the two forms apart. Beside `actions` only the
 *    annotations `$comment`, `title` and `description` are allowed.
 *      { "actions": { "send": { "type": "object", "required": ["text"] },
 *                     "sendTemplate": { "type": "object", "required": ["template"] } } }
 */
export type PerActionParamsSchema = { actions: Record<string, unknown> } & Record<string, unknown>;

const PER_ACTION_ANNOTATIONS = new Set(["actions", "$comment", "title", "description"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isPerActionParamsSchema(schema: unknown): schema is PerActionParamsSchema {
  return isPlainObject(schema) && Object.hasOwn(schema, "actions") && isPlainObject(schema.actions);
}

/** The schema that applies to one action's params, or null when any params go. */
export function paramsSchemaFor(paramsSchema: unknown, action: string): unknown {
  if (paramsSchema === null || paramsSchema === undefined) return null;
  if (!isPerActionParamsSchema(paramsSchema)) return paramsSchema;
  return Object.hasOwn(paramsSchema.actions, action) ? (paramsSchema.actions[action] ?? null) : null;
}

/** Checks a paramsSchema in either form; pointers prefixed by `basePath` (e.g. `/paramsSchema`). */
export function validateParamsSchemaDocument(paramsSchema: unknown, basePath = ""): FieldError[] {
  if (!isPerActionParamsSchema(paramsSchema)) return validateJsonSchemaDocument(paramsSchema, basePath);
  const errors: FieldError[] = [];
  for (const key of Object.keys(paramsSchema)) {
    if (!PER_ACTION_ANNOTATIONS.has(key)) {
      errors.push({
        path: joinPointer(basePath, key),
        message: 'is not allowed beside "actions" (per-action form: { "actions": { "<action>": <schema> } })',
      });
    }
  }
  for (const [action, schema] of Object.entries(paramsSchema.actions)) {
    errors.push(...validateJsonSchemaDocument(schema, joinPointer(basePath, "actions", action)));
  }
  return errors;
}
