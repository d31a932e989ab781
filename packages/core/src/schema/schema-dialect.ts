import type { SchemaDialect } from "./ajv-factory.js";

// `$schema` URIs as their specs publish them; http/https and a trailing "#" vary in the wild.
const DIALECTS: readonly [RegExp, SchemaDialect][] = [
  [/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/, "draft-07"],
  [/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/, "2019-09"],
  [/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/, "2020-12"],
];

export const SUPPORTED_DIALECTS_TEXT =
  "http://json-schema.org/draft-07/schema#, https://json-schema.org/draft/2019-09/schema or https://json-schema.org/draft/2020-12/schema";

/**
 * The dialect a schema declares with `$schema`; draft-07 when it declares none.
 * Returns null for a `$schema` this platform cannot validate with (draft-04, a typo, ...).
 */
export function dialectOf(schema: Record<string, unknown>): SchemaDialect | null {
  const declared = schema.$schema;
  if (declared === undefined) return "draft-07";
  if (typeof declared !== "string") return null;
  for (const [pattern, dialect] of DIALECTS) if (pattern.test(declared)) return dialect;
  return null;
}
