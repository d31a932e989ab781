import type { FieldError } from "@arcade/contracts";

/** A manifest is a few KiB; these bounds only stop JSON bombs. */
export const MANIFEST_JSON_LIMITS = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
} as const;

export type ParsedJson = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/**
 * Parses manifest text. Never throws: invalid JSON, a text over 1 MiB or nested
 * deeper than 64 levels is a FieldError at path "" with the reason. A leading BOM
 * (Windows editors) is ignored.
 */
export function parseManifestJson(text: string): ParsedJson {
  if (typeof text !== "string") return fail("must be JSON text");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MANIFEST_JSON_LIMITS.maxBytes) {
    return fail(`is ${bytes} bytes; a manifest may be at most ${MANIFEST_JSON_LIMITS.maxBytes} bytes`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const depth = maxNesting(body, MANIFEST_JSON_LIMITS.maxDepth);
  if (depth > MANIFEST_JSON_LIMITS.maxDepth) {
    return fail(`nests deeper than ${MANIFEST_JSON_LIMITS.maxDepth} levels`);
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return fail(`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function fail(message: string): ParsedJson {
  return { ok: false, errors: [{ path: "", message }] };
}

/**
 * Deepest `[`/`{` nesting outside strings, stopping early once past `limit`. A linear
 * scan before JSON.parse, so a bomb of brackets costs nothing to refuse.
 */
export function maxNesting(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}
