import { CONFIG_KEYS } from "./config-keys.js";
import type { ConfigOrigins } from "./config-origins.js";
import {
  type DurationPlainUnit,
  formatDuration,
  formatSize,
  isPlainNumber,
  parseDuration,
  parseSize,
  type SizePlainUnit,
} from "./units.js";

/** A plain number this many times the key's default (and at least 1000) was probably meant in ms or bytes. */
const SUSPICIOUS_FACTOR = 100;
const SUSPICIOUS_MIN = 1000;

/**
 * Start-up warnings for plain numbers that probably meant the old unit: a plain number in a
 * duration key is seconds and in a size key MiB, so `load_timeout = 30000` (meant as 30 s in
 * milliseconds) now means more than 8 hours. Such a value still loads (it may be meant); the
 * warning names the key, what the value now means and how to write the other reading.
 * Runs on the merged file + env values, before units are applied.
 */
export function unitWarnings(data: Record<string, unknown>, origins: ConfigOrigins): string[] {
  const warnings: string[] = [];
  for (const { section, key, env, schema } of CONFIG_KEYS) {
    const table = data[section];
    if (!schema.unit || table === null || typeof table !== "object") continue;
    const value = (table as Record<string, unknown>)[key];
    if (!isPlainNumber(value) || (schema.plain !== "MiB" && schema.plain !== "s")) continue;
    const amount = Number(value);
    const fallback = typeof schema.default === "number" ? schema.default : 0;
    const sizeKey = schema.unit === "bytes";
    const parsed = sizeKey
      ? parseSize(value, schema.plain as SizePlainUnit)
      : parseDuration(value, schema.plain as DurationPlainUnit);
    if (parsed === undefined || amount < SUSPICIOUS_MIN || parsed < fallback * SUSPICIOUS_FACTOR) continue;
    const where = origins.sourceOf(section, key) === "env" ? env : `${section}.${key}`;
    const meaning = sizeKey
      ? `${amount} MiB (${formatSize(parsed)})`
      : `${amount} seconds (${formatDuration(parsed)})`;
    const rule = sizeKey
      ? "a plain number in a size key is MiB"
      : "a plain number in a duration key is seconds";
    const other = sizeKey ? `"${amount}B"` : `"${amount}ms"`;
    warnings.push(
      `${where} = ${amount} is read as ${meaning}: ${rule}. If you meant ${sizeKey ? "bytes" : "milliseconds"}, write ${other}.`,
    );
  }
  return warnings;
}
