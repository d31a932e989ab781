import { BYTE_QUANTITY, CPU_QUANTITY, type FieldError, type RolloutRequest } from "@arcade/contracts";
import { checkPermissionRules } from "../permissions/permission-rules.js";
import { validateRolloutRequest } from "../rollout/validate-rollout.js";
import { joinPointer } from "../schema/json-pointer.js";
import { validateParamsSchemaDocument } from "../schema/params-schema.js";
import { validateAgainst, validateJsonSchemaDocument } from "../schema/schema-compiler.js";
import { secretSchemaProblems } from "../schema/secret-fields.js";
import { entryPointProblem } from "./entry-point.js";
import { parseByteQuantity, parseCpuQuantity } from "./resource-quantity.js";

type Raw = Record<string, unknown>;

const BYTE_RE = new RegExp(BYTE_QUANTITY);
const CPU_RE = new RegExp(CPU_QUANTITY);

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** Plugin names are unique regardless of case and Unicode spelling. */
export function nameKey(name: string): string {
  // Invisible characters (zero-width space/joiners, word joiner, BOM) would make two
  // names that render the same: they do not count.
  return name
    .normalize("NFKC")
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "")
    .toLowerCase();
}

/**
 * The rules a JSON Schema cannot express. Each looks only at the field it needs and
 * skips fields of the wrong type (the schema check reports those), so every rule
 * runs and all problems are reported at once.
 */
export function checkManifestRules(m: Raw): FieldError[] {
  return [
    ...checkConfigSchema(m),
    ...checkParamsSchema(m),
    ...checkEntryPoint(m),
    ...checkDependencies(m),
    ...checkResources(m),
    ...checkPermissionRules(m),
    ...checkRolloutDefault(m),
  ];
}

function checkConfigSchema(m: Raw): FieldError[] {
  const schema = m.configSchema;
  if (!isObject(schema)) return [];
  const problems = validateJsonSchemaDocument(schema, "/configSchema");
  if (problems.length > 0) return problems;
  const type = schema.type;
  // A config is always a JSON object: a schema for anything else can never pass.
  if (type !== undefined && type !== "object" && !(Array.isArray(type) && type.includes("object"))) {
    return [{ path: "/configSchema/type", message: 'must be "object": a plugin config is a JSON object' }];
  }
  // A secret mark the platform cannot honour (e.g. inside an array) would leave a value unmasked.
  const secrets = secretSchemaProblems(schema, "/configSchema");
  if (secrets.length > 0) return secrets;
  if (m.defaultConfig === undefined) return [];
  return validateAgainst(schema, m.defaultConfig, "/defaultConfig");
}

function checkParamsSchema(m: Raw): FieldError[] {
  if (!isObject(m.paramsSchema)) return [];
  return validateParamsSchemaDocument(m.paramsSchema, "/paramsSchema");
}

function checkEntryPoint(m: Raw): FieldError[] {
  if (typeof m.entryPoint !== "string" || m.entryPoint === "") return [];
  const problem = entryPointProblem(m.entryPoint);
  return problem ? [{ path: "/entryPoint", message: problem }] : [];
}

function checkDependencies(m: Raw): FieldError[] {
  if (!Array.isArray(m.dependencies)) return [];
  const errors: FieldError[] = [];
  const self = typeof m.name === "string" ? nameKey(m.name) : null;
  const firstIndex = new Map<string, number>();
  m.dependencies.forEach((dep: unknown, index) => {
    if (!isObject(dep) || typeof dep.name !== "string") return;
    const key = nameKey(dep.name);
    const path = joinPointer("/dependencies", index, "name");
    if (key === self) errors.push({ path, message: "must not be the plugin itself" });
    const earlier = firstIndex.get(key);
    if (earlier === undefined) firstIndex.set(key, index);
    else errors.push({ path, message: `duplicates /dependencies/${earlier}/name ("${dep.name}")` });
  });
  return errors;
}

function checkResources(m: Raw): FieldError[] {
  const r = m.resources;
  if (!isObject(r)) return [];
  const errors: FieldError[] = [];
  for (const key of ["memory", "disk"] as const) {
    const value = r[key];
    // Values that do not even look like quantities are the schema's to report.
    if (typeof value !== "string" || !BYTE_RE.test(value)) continue;
    const bytes = parseByteQuantity(value);
    if (bytes === null)
      errors.push({ path: `/resources/${key}`, message: "must be a byte quantity that fits" });
    else if (bytes < 1024 * 1024) errors.push({ path: `/resources/${key}`, message: "must be at least 1Mi" });
  }
  if (typeof r.cpu === "string" && CPU_RE.test(r.cpu)) {
    const cores = parseCpuQuantity(r.cpu);
    if (cores === null || cores <= 0)
      errors.push({ path: "/resources/cpu", message: "must be more than 0 cores" });
  }
  return errors;
}

/** The manifest's default rollout follows the request's rules (readable holds, growing steps). */
function checkRolloutDefault(m: Raw): FieldError[] {
  const rollout = m.rollout;
  if (!isObject(rollout) || typeof rollout.strategy !== "string") return [];
  return validateRolloutRequest(rollout as unknown as RolloutRequest);
}
