import type { FieldError } from "@arcade/contracts";
import { joinPointer } from "./json-pointer.js";

/**
 * Secret fields of a plugin's configSchema: properties marked `"writeOnly": true` (the JSON
 * Schema annotation for "sent, never returned") or `"x-secret": true`. Their values are
 * masked in every response (maskSecrets), kept when a client sends the mask back
 * (mergeMasked) and encrypted at rest (@arcade/secrets, through mapSecretValues).
 *
 * Supported: properties of the root object and of nested objects, through `properties`
 * only. A mark anywhere else (inside `items`, `additionalProperties`, `patternProperties`,
 * behind `$ref`, in `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `$defs`) cannot name one
 * place in the config, so it is refused by secretSchemaProblems rather than silently left
 * unmasked. A marked property is secret as a whole: an object under it is masked whole.
 */

/** What a client sees instead of a secret value, and sends back to keep the stored one. */
export const SECRET_MASK = "[secret]";

export interface SecretField {
  /** Property names from the config's root, e.g. ["slack", "token"]. */
  path: readonly string[];
  /** The same as a JSON pointer into the config, e.g. "/slack/token" (the field's identity). */
  pointer: string;
}

/** A configSchema nests far less; the bound keeps a hostile schema from recursing deep. */
const MAX_DEPTH = 64;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Whether this schema node marks its property secret. */
export function isSecretMark(node: unknown): boolean {
  return isObject(node) && (node.writeOnly === true || node["x-secret"] === true);
}

const cache = new WeakMap<object, readonly SecretField[]>();

/** Every secret field of `schema` (a configSchema; null or a boolean schema has none). */
export function secretFields(schema: unknown): readonly SecretField[] {
  if (!isObject(schema)) return [];
  const known = cache.get(schema);
  if (known) return known;
  const fields: SecretField[] = [];
  const walk = (node: JsonObject, path: string[]) => {
    if (path.length >= MAX_DEPTH || !isObject(node.properties)) return;
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isObject(child)) continue;
      const childPath = [...path, name];
      if (isSecretMark(child)) fields.push({ path: childPath, pointer: joinPointer("", ...childPath) });
      else walk(child, childPath);
    }
  };
  walk(schema, []);
  cache.set(schema, fields);
  return fields;
}

/** Whether `schema` has any secret field. */
export function hasSecretFields(schema: unknown): boolean {
  return secretFields(schema).length > 0;
}

/**
 * Secret marks this module cannot honour, as field errors (pointers into the schema under
 * `basePath`, e.g. "/configSchema"): a mark outside a `properties` chain, a property marked
 * under one already marked, or an `x-secret` that is not a boolean. Empty: every mark works.
 */
export function secretSchemaProblems(schema: unknown, basePath = ""): FieldError[] {
  if (!isObject(schema)) return [];
  const supported = new Set(secretFields(schema).map((f) => schemaPointerOf(basePath, f.path)));
  const problems: FieldError[] = [];
  // `nameMap`: the node's keys are property names (under `properties`, `$defs`...), its values schemas.
  const visit = (node: unknown, pointer: string, depth: number, nameMap: boolean) => {
    if (depth > MAX_DEPTH || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, joinPointer(pointer, i), depth + 1, false);
      return;
    }
    const record = node as JsonObject;
    if (!nameMap) {
      if ("x-secret" in record && typeof record["x-secret"] !== "boolean") {
        problems.push({ path: joinPointer(pointer, "x-secret"), message: "must be a boolean" });
      }
      if (isSecretMark(record) && !supported.has(pointer)) {
        problems.push({
          path: pointer,
          message:
            "is marked secret where no single config field matches it: mark properties reached through `properties` only (not inside items, additionalProperties, $ref, allOf/anyOf/oneOf or under another secret)",
        });
      }
    }
    for (const [key, child] of Object.entries(record)) {
      // const/enum/default/examples hold values, not schemas: a "writeOnly" key there is data.
      if (!nameMap && VALUE_KEYWORDS.has(key)) continue;
      visit(child, joinPointer(pointer, key), depth + 1, !nameMap && NAME_MAP_KEYWORDS.has(key));
    }
  };
  visit(schema, basePath, 0, false);
  return problems;
}

const VALUE_KEYWORDS = new Set(["const", "enum", "default", "examples"]);
const NAME_MAP_KEYWORDS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
]);

function schemaPointerOf(basePath: string, path: readonly string[]): string {
  let pointer = basePath;
  for (const name of path) pointer = joinPointer(pointer, "properties", name);
  return pointer;
}

/**
 * A copy of `config` where `fn` has replaced the value of every secret field that is present
 * (not undefined). `fn` may return undefined to drop the field. The input is never changed.
 */
export function mapSecretValues(
  schema: unknown,
  config: JsonObject,
  fn: (value: unknown, field: SecretField) => unknown,
): JsonObject {
  const out = structuredClone(config);
  for (const field of secretFields(schema)) {
    const parent = parentOf(out, field.path);
    const name = field.path.at(-1)!;
    if (!parent || !Object.hasOwn(parent, name) || parent[name] === undefined) continue;
    const next = fn(parent[name], field);
    if (next === undefined) delete parent[name];
    else parent[name] = next;
  }
  return out;
}

/** The value at `path` in `config`, or undefined when any step is missing. */
export function valueAtPath(config: JsonObject, path: readonly string[]): unknown {
  const parent = parentOf(config, path);
  const name = path.at(-1);
  return parent && name !== undefined && Object.hasOwn(parent, name) ? parent[name] : undefined;
}

function parentOf(config: JsonObject, path: readonly string[]): JsonObject | undefined {
  let node: unknown = config;
  for (const name of path.slice(0, -1)) {
    if (!isObject(node) || !Object.hasOwn(node, name)) return undefined;
    node = node[name];
  }
  return isObject(node) ? node : undefined;
}

/** `config` as a viewer may see it: every secret value present becomes SECRET_MASK. */
export function maskSecrets(schema: unknown, config: JsonObject): JsonObject {
  return mapSecretValues(schema, config, () => SECRET_MASK);
}

/**
 * What `PUT /config` stores: `incoming`, except that a secret field sent as SECRET_MASK keeps
 * the `stored` value (the client sent back what GET showed it). With nothing stored there, the
 * field is left out: the mask is never stored as a value. Validate the result, not `incoming`.
 */
export function mergeMasked(schema: unknown, incoming: JsonObject, stored: JsonObject | null): JsonObject {
  return mapSecretValues(schema, incoming, (value, field) =>
    value === SECRET_MASK ? (stored ? valueAtPath(stored, field.path) : undefined) : value,
  );
}

const sealedCache = new WeakMap<object, unknown>();

/**
 * `schema` with every secret property's own schema replaced by `{}` (anything), its `required`
 * lists kept: what a stored config is checked against. A stored secret is a ciphertext, checked
 * against the real schema as plain text when it was set (PUT /config), so a job that re-checks
 * a stored config (configure, update, rollback) checks everything but the secrets' contents.
 */
export function sealedConfigSchema(schema: unknown): unknown {
  if (!isObject(schema) || !hasSecretFields(schema)) return schema;
  const known = sealedCache.get(schema);
  if (known) return known;
  const sealed = structuredClone(schema);
  for (const field of secretFields(schema)) {
    let node: JsonObject = sealed;
    for (const name of field.path.slice(0, -1)) node = (node.properties as JsonObject)[name] as JsonObject;
    (node.properties as JsonObject)[field.path.at(-1)!] = {};
  }
  sealedCache.set(schema, sealed);
  return sealed;
}
