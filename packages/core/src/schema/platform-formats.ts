import semver from "semver";

/**
 * The string formats the platform's schemas use (manifest `version`, dependency
 * ranges, plugin names). They are registered on every ajv instance so that plugin
 * authors may use them in their own configSchema/paramsSchema too.
 */

/** A strict semantic version: `1.2.3`, `1.0.0-rc.1+build.5`; no `v` prefix, no padding. */
export function isSemver(value: string): boolean {
  // semver quietly accepts and strips "v1.2.3", "=1.2.3" and surrounding spaces (and
  // leaves build metadata out of `.version`): only the canonical spelling passes.
  const parsed = semver.parse(value);
  if (!parsed) return false;
  const build = parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "";
  return `${parsed.version}${build}` === value;
}

/** Anything `semver.validRange` understands (`^1.2.0`, `>=1 <3`, `1.x`, `*`), but not empty. */
export function isSemverRange(value: string): boolean {
  if (value.trim() === "") return false;
  try {
    return semver.validRange(value) !== null;
  } catch {
    return false;
  }
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
// Control characters, line/paragraph separators and the bidirectional overrides
// (which make a name render differently from what it is: "Trojan Source").
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;
const EDGE_SPACE = /^[\s\p{Z}]|[\s\p{Z}]$/u;

export const PLUGIN_NAME_MAX_CHARS = 100;

/**
 * A display name of a plugin: 1-100 characters (code points) in any script, with at
 * least one letter or digit, no control characters, no leading or trailing whitespace.
 */
export function isPluginName(value: string): boolean {
  const length = [...value].length;
  if (length < 1 || length > PLUGIN_NAME_MAX_CHARS) return false;
  if (!LETTER_OR_DIGIT.test(value)) return false;
  if (FORBIDDEN_IN_NAME.test(value)) return false;
  return !EDGE_SPACE.test(value);
}

/** Readable messages for a failed `format` keyword, by format name. */
export const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  semver: "must be a semantic version like 1.2.3",
  "semver-range": "must be a semantic version range like ^1.2.0 or >=1.0.0 <2.0.0",
  "plugin-name":
    "must be 1-100 characters with at least one letter or digit, no control characters and no leading or trailing spaces",
};
