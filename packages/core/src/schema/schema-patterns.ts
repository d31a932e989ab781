import type { FieldError } from "@arcade/contracts";
import { joinPointer } from "./json-pointer.js";
import { linearPatternProblem } from "./linear-regexp.js";

/** Keywords whose value is one subschema (draft-07, 2019-09 and 2020-12 together). */
const ONE_SCHEMA = [
  "not",
  "if",
  "then",
  "else",
  "additionalItems",
  "contains",
  "additionalProperties",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
] as const;
/** Keywords whose value is an array of subschemas. */
const SCHEMA_ARRAYS = ["allOf", "anyOf", "oneOf", "prefixItems"] as const;
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"] as const;

export interface SchemaPattern {
  /** JSON pointer to the pattern: a `pattern` keyword, or a key of `patternProperties`. */
  path: string;
  pattern: string;
}

/**
 * Every regular expression a JSON Schema document asks ajv to run, with its pointer.
 * Only schema positions are walked, as ajv does: a `pattern` inside `enum`, `const`,
 * `default`, `examples` or an unknown keyword is data, not a pattern.
 */
export function schemaPatterns(schema: unknown, basePath = ""): SchemaPattern[] {
  const found: SchemaPattern[] = [];
  walk(schema, basePath, found);
  return found;
}

/**
 * The patterns of a schema document that RE2 cannot run (backreferences, lookaround,
 * too long), each at its own pointer, so that MANIFEST_INVALID names the pattern.
 */
export function linearPatternProblems(schema: unknown, basePath = ""): FieldError[] {
  const problems: FieldError[] = [];
  for (const { path, pattern } of schemaPatterns(schema, basePath)) {
    const problem = linearPatternProblem(pattern);
    if (problem) problems.push({ path, message: problem });
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// The document's depth was bounded before (SCHEMA_DOCUMENT_LIMITS): recursion is safe here.
function walk(schema: unknown, path: string, found: SchemaPattern[]): void {
  if (!isObject(schema)) return;
  if (typeof schema.pattern === "string")
    found.push({ path: joinPointer(path, "pattern"), pattern: schema.pattern });
  if (isObject(schema.patternProperties)) {
    for (const key of Object.keys(schema.patternProperties)) {
      found.push({ path: joinPointer(path, "patternProperties", key), pattern: key });
    }
  }
  for (const keyword of ONE_SCHEMA) walk(schema[keyword], joinPointer(path, keyword), found);
  for (const keyword of SCHEMA_ARRAYS) walkArray(schema[keyword], joinPointer(path, keyword), found);
  for (const keyword of SCHEMA_MAPS) walkMap(schema[keyword], joinPointer(path, keyword), found);
  // `items`: one schema, or (draft-07, 2019-09) an array of them.
  if (Array.isArray(schema.items)) walkArray(schema.items, joinPointer(path, "items"), found);
  else walk(schema.items, joinPointer(path, "items"), found);
  // draft-07 `dependencies`: a property's value is a schema, or an array of property names.
  walkMap(schema.dependencies, joinPointer(path, "dependencies"), found);
}

function walkArray(value: unknown, path: string, found: SchemaPattern[]): void {
  if (!Array.isArray(value)) return;
  value.forEach((item, index) => {
    walk(item, joinPointer(path, index), found);
  });
}

function walkMap(value: unknown, path: string, found: SchemaPattern[]): void {
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) walk(item, joinPointer(path, key), found);
}
