import semver from "semver";
import { PLUGIN_NAME_RULE } from "../manifest/plugin-name.js";

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

export { isPluginName, PLUGIN_NAME_MAX_CHARS } from "../manifest/plugin-name.js";

/** Readable messages for a failed `format` keyword, by format name. */
export const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  semver: "must be a semantic version like 1.2.3",
  "semver-range": "must be a semantic version range like ^1.2.0 or >=1.0.0 <2.0.0",
  "plugin-name": `must be ${PLUGIN_NAME_RULE}, e.g. "slack-notify"`,
};
