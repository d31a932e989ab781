import type { FieldError } from "@arcade/contracts";
import type { ValidateFunction } from "ajv";
import { type AnyAjv, createAjv, type SchemaDialect } from "./ajv-factory.js";
import { ajvErrorsToFieldErrors, capFieldErrors } from "./field-errors.js";
import { checkJsonShape } from "./json-shape.js";
import { LruMap } from "./lru-map.js";
import { dialectOf, SUPPORTED_DIALECTS_TEXT } from "./schema-dialect.js";
import { linearPatternProblems } from "./schema-patterns.js";

/**
 * Bounds on a schema document before ajv compiles it: compile time and the generated
 * code grow with the document, and plugin schemas come from uploads.
 */
export const SCHEMA_DOCUMENT_LIMITS = {
  maxBytes: 256 * 1024,
  maxDepth: 64,
  maxNodes: 20_000,
} as const;

/** Compiled validators kept; a plugin has one configSchema and a few paramsSchemas. */
export const SCHEMA_CACHE_SIZE = 256;

interface Compiled {
  /** Null when the document is not a usable schema; `problems` then says why. */
  validate: ValidateFunction | null;
  /** Problems of the schema document, pointers relative to the document root. */
  problems: FieldError[];
}

const ajvByDialect = new Map<SchemaDialect, AnyAjv>();
const byJson = new LruMap<string, Compiled>(SCHEMA_CACHE_SIZE);
// Schemas read from the database are the same objects call after call: looking them
// up by identity skips JSON.stringify on the action-call path. Schemas are treated
// as immutable once they have been validated.
let byIdentity = new WeakMap<object, Compiled>();

function ajvFor(dialect: SchemaDialect): AnyAjv {
  let ajv = ajvByDialect.get(dialect);
  if (!ajv) {
    ajv = createAjv(dialect);
    ajvByDialect.set(dialect, ajv);
  }
  return ajv;
}

/** Drops every cached validator (tests; a long-running process never needs it). */
export function clearSchemaCache(): void {
  byJson.clear();
  byIdentity = new WeakMap();
}

/** How many compiled schemas the cache holds now (tests). */
export function schemaCacheSize(): number {
  return byJson.size;
}

function compiledFor(schema: unknown): Compiled {
  if (typeof schema === "boolean") return compileChecked(schema, "draft-07");
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    return {
      validate: null,
      problems: [{ path: "", message: "must be a JSON Schema (an object or a boolean)" }],
    };
  }
  const known = byIdentity.get(schema);
  if (known) return known;

  const shape = checkJsonShape(schema, SCHEMA_DOCUMENT_LIMITS);
  if (shape) return { validate: null, problems: [shape] };
  const json = JSON.stringify(schema);
  if (json.length > SCHEMA_DOCUMENT_LIMITS.maxBytes) {
    return {
      validate: null,
      problems: [{ path: "", message: `is larger than ${SCHEMA_DOCUMENT_LIMITS.maxBytes} bytes of JSON` }],
    };
  }
  let compiled = byJson.get(json);
  if (!compiled) {
    const dialect = dialectOf(schema as Record<string, unknown>);
    compiled =
      dialect === null
        ? {
            validate: null,
            problems: [{ path: "/$schema", message: `must be one of ${SUPPORTED_DIALECTS_TEXT}` }],
          }
        : // Compile a private copy: ajv keys its own cache by object, and the caller's
          // object may change after we return.
          compileChecked(JSON.parse(json) as Record<string, unknown>, dialect);
    byJson.set(json, compiled);
  }
  byIdentity.set(schema, compiled);
  return compiled;
}

function compileChecked(schema: Record<string, unknown> | boolean, dialect: SchemaDialect): Compiled {
  const ajv = ajvFor(dialect);
  try {
    if (!ajv.validateSchema(schema)) {
      return { validate: null, problems: ajvErrorsToFieldErrors(ajv.errors, "") };
    }
  } catch (error) {
    return {
      validate: null,
      problems: [{ path: "", message: `is not a valid JSON Schema: ${messageOf(error)}` }],
    };
  }
  // Named one by one, so the error points at the pattern instead of the whole schema.
  const patternProblems = linearPatternProblems(schema);
  if (patternProblems.length > 0) return { validate: null, problems: capFieldErrors(patternProblems) };
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    return { validate: null, problems: [{ path: "", message: `cannot be compiled: ${messageOf(error)}` }] };
  } finally {
    // ajv remembers every compiled schema (by object and by $id). The validator
    // works on without that entry; keeping it would leak memory and make a second
    // schema with the same $id fail to compile.
    try {
      ajv.removeSchema(schema as object);
    } catch {
      // boolean schemas are not stored
    }
  }
  if ((validate as { $async?: unknown }).$async) {
    return { validate: null, problems: [{ path: "/$async", message: "async schemas are not supported" }] };
  }
  return { validate, problems: [] };
}

/**
 * Is `schema` a usable JSON Schema (draft-07, 2019-09 or 2020-12; draft-07 when no
 * `$schema`)? Checks it against its meta-schema, then compiles it (which also catches
 * unresolvable `$ref`s and invalid regular expressions). Returns every problem with
 * pointers into the schema prefixed by `basePath`; an empty list means usable.
 */
export function validateJsonSchemaDocument(schema: unknown, basePath = ""): FieldError[] {
  try {
    return rebase(compiledFor(schema).problems, basePath);
  } catch (error) {
    return [{ path: basePath, message: `cannot be checked: ${messageOf(error)}` }];
  }
}

/**
 * Validates `value` against `schema` and returns all errors, JSON pointers
 * prefixed by `basePath` (e.g. `/params/prefix` with message "must be string").
 * A schema that is not usable yields one error at `basePath` saying so.
 */
export function validateAgainst(schema: unknown, value: unknown, basePath = ""): FieldError[] {
  try {
    const compiled = compiledFor(schema);
    if (!compiled.validate) {
      const first = compiled.problems[0];
      const why = first ? `${first.path || "(root)"} ${first.message}` : "unknown problem";
      return [
        { path: basePath, message: `cannot be checked: its schema is not a valid JSON Schema (${why})` },
      ];
    }
    const validate = compiled.validate;
    if (validate(value)) return [];
    return ajvErrorsToFieldErrors(validate.errors, basePath);
  } catch (error) {
    // e.g. a recursive schema meeting a very deep value: a RangeError, not a crash
    return [{ path: basePath, message: `could not be validated: ${messageOf(error)}` }];
  }
}

function rebase(errors: FieldError[], basePath: string): FieldError[] {
  if (basePath === "") return errors;
  return capFieldErrors(errors.map((e) => ({ path: basePath + e.path, message: e.message })));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
