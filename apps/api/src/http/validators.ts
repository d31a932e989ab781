import type { FieldError, FieldErrorText } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import type { TObject, TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import { readJsonBody } from "./json-body.js";

/**
 * Hono validators built from the route contracts' TypeBox schemas. They answer what the API
 * has always answered for bad input: 400 VALIDATION_FAILED with one field error per bad value
 * (`/page`: "must be an integer from 1 to 1000000"), MALFORMED_JSON, 413 and 415 for bodies.
 */

type Schema = TSchema & {
  type?: string;
  anyOf?: Schema[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: unknown;
  "x-error"?: FieldErrorText;
};

/**
 * Query parameters: text on the wire, read by the type of each property. An empty value is
 * absent (its default, if it has one); parameters the route does not know are ignored.
 */
export function parseQuery(schema: TObject, raw: Record<string, string | string[] | undefined>) {
  const value: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [name, property] of Object.entries(schema.properties) as [string, Schema][]) {
    const given = raw[name];
    const text = Array.isArray(given) ? given[0] : given;
    if (text === undefined || text === "") {
      if (property.default !== undefined) value[name] = property.default;
      continue;
    }
    const read = readQueryValue(property, text);
    if ("message" in read) errors.push({ path: `/${name}`, message: read.message });
    else value[name] = read.value;
  }
  if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "invalid query parameters", { errors });
  return value;
}

function readQueryValue(schema: Schema, text: string): { value: unknown } | { message: string } {
  if (schema.anyOf) {
    const allowed = schema.anyOf.map((s) => s.const);
    const found = allowed.find((v) => String(v) === text);
    return found !== undefined ? { value: found } : { message: `must be one of ${allowed.join(", ")}` };
  }
  switch (schema.type) {
    case "integer": {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? 999_999_999;
      const n = Number(text);
      return /^\d{1,9}$/.test(text) && n >= min && n <= max
        ? { value: n }
        : { message: `must be an integer from ${min} to ${max}` };
    }
    case "boolean":
      if (text === "true" || text === "1") return { value: true };
      if (text === "false" || text === "0") return { value: false };
      return { message: "must be true or false" };
    default:
      if (schema.maxLength !== undefined && text.length > schema.maxLength) {
        return { message: `must be at most ${schema.maxLength} characters` };
      }
      return { value: text };
  }
}

export function queryValidator(schema: TObject): MiddlewareHandler {
  return validator("query", (raw) => parseQuery(schema, raw));
}

/** Path parameters are checked by the handlers (an unknown id is 404, not 400); this types them. */
export function paramValidator(): MiddlewareHandler {
  return validator("param", (raw) => raw);
}

/**
 * A JSON body, read within `maxBytes` (json-body.ts: 413, 415, MALFORMED_JSON, nesting bounds)
 * and checked against the schema. An absent or blank body is `{}`. A property whose schema has
 * `x-error` gets that title and message; anything else the schema refuses gets its own messages.
 */
export function jsonBodyValidator(schema: TSchema, maxBytes: number): MiddlewareHandler {
  const check = TypeCompiler.Compile(schema);
  const properties = ((schema as Schema & { properties?: Record<string, Schema> }).properties ??
    {}) as Record<string, Schema>;
  return async function jsonBodyValidatorMiddleware(c, next) {
    const read = await readJsonBody(c, maxBytes);
    const body = read === undefined ? {} : read;
    if (
      (schema as Schema).type === "object" &&
      (body === null || typeof body !== "object" || Array.isArray(body))
    ) {
      throw new AppError("VALIDATION_FAILED", "the body must be a JSON object", {
        errors: [{ path: "", message: "must be object" }],
      });
    }
    if (!check.Check(body)) {
      const errors = [...check.Errors(body)];
      const first = errors[0];
      const name = first?.path.split("/")[1] ?? "";
      const text = properties[name]?.["x-error"];
      if (text) {
        throw new AppError("VALIDATION_FAILED", text.title, {
          errors: [{ path: `/${name}`, message: text.message }],
        });
      }
      throw new AppError("VALIDATION_FAILED", "the body does not match its schema", {
        errors: errors.slice(0, 20).map((e) => ({ path: e.path, message: e.message })),
      });
    }
    c.req.addValidatedData("json", body as object);
    return next();
  };
}
