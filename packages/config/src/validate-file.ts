import type { TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject } from "ajv";
import { ConfigError, type ConfigIssue } from "./config-error.js";
import { CONFIG_KEYS, formatPath } from "./config-keys.js";
import type { ConfigOrigins } from "./config-origins.js";
import { didYouMean } from "./did-you-mean.js";
import { type FileConfig, FileSchema } from "./file-schema.js";
import { type DurationPlainUnit, parseDuration, parseSize, type SizePlainUnit } from "./units.js";

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
// Annotations of our schema (see file-schema.ts); they validate nothing.
ajv.addKeyword({ keyword: "unit", schemaType: "string" });
ajv.addKeyword({ keyword: "plain", schemaType: "string" });
ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
const validate = ajv.compile<FileConfig>(FileSchema);

/**
 * "50MiB" -> bytes, "30s" -> ms, and a plain number in the key's plain unit (MiB, seconds), in
 * place. Unreadable values stay as written, for the error message.
 */
function applyUnits(data: Record<string, unknown>): void {
  for (const { section, key, schema } of CONFIG_KEYS) {
    const table = data[section];
    if (!schema.unit || table === null || typeof table !== "object") continue;
    const record = table as Record<string, unknown>;
    if (record[key] === undefined) continue;
    const parsed =
      schema.unit === "bytes"
        ? parseSize(record[key], schema.plain as SizePlainUnit)
        : parseDuration(record[key], schema.plain as DurationPlainUnit);
    if (parsed !== undefined) record[key] = parsed;
  }
}

function segmentsOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Whether the value at `segments` may be quoted: not if its key is secret, nor if it is a
 * whole item of a secret list (an auth token table), whose fields may include the token.
 */
function isSecret(segments: readonly (string | number)[]): boolean {
  let schema: TSchema | undefined = FileSchema;
  let insideSecret = false;
  for (const s of segments) {
    insideSecret ||= schema?.secret === true;
    schema =
      typeof s === "number"
        ? (schema?.items as TSchema | undefined)
        : ((schema?.properties as Record<string, TSchema> | undefined)?.[s] ?? undefined);
  }
  return schema?.secret === true || (insideSecret && typeof segments.at(-1) === "number");
}

function toIssue(error: ErrorObject, origins: ConfigOrigins): ConfigIssue {
  const segments = segmentsOf(error.instancePath);
  const parent = (error.parentSchema ?? {}) as TSchema;

  if (error.keyword === "additionalProperties") {
    const unknown = String(error.params.additionalProperty);
    const siblings = Object.keys((parent.properties ?? {}) as Record<string, unknown>);
    const hint = didYouMean(unknown, siblings);
    if (segments.length === 0) {
      return {
        key: unknown,
        source: "file",
        message: `unknown section [${unknown}]${origins.where}${hint ? ` (did you mean [${hint}]?)` : ` (known: ${siblings.join(", ")})`}`,
      };
    }
    const path = formatPath([...segments, unknown]);
    const suggestion = hint
      ? `did you mean ${formatPath([...segments, hint])}?`
      : `known: ${siblings.join(", ")}`;
    return { key: path, source: "file", message: `unknown key ${path}${origins.where} (${suggestion})` };
  }

  if (error.keyword === "required") {
    const missing = String(error.params.missingProperty);
    const schema = ((parent.properties ?? {}) as Record<string, TSchema>)[missing];
    return origins.issue([...segments, missing], schema?.description ?? "set", { missing: true });
  }

  return origins.issue(segments, parent.description ?? String(error.message), { secret: isSecret(segments) });
}

/**
 * Fill defaults, convert units and check every value against the schema.
 * Throws one ConfigError that lists every bad key.
 */
export function validateFile(data: Record<string, unknown>, origins: ConfigOrigins): FileConfig {
  applyUnits(data);
  if (validate(data)) return data;
  const issues = new Map<string, ConfigIssue>();
  for (const error of validate.errors ?? []) {
    const issue = toIssue(error, origins);
    // one line per key: a value can break several rules (type and pattern) but needs one fix.
    if (!issues.has(issue.message) && ![...issues.values()].some((i) => i.key === issue.key)) {
      issues.set(issue.message, issue);
    }
  }
  throw new ConfigError([...issues.values()]);
}
