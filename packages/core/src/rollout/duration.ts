/**
 * Milliseconds from a duration as the config spells it (architecture §8, and
 * packages/config's parseDuration, which core may not import): a plain number is seconds,
 * a string says its unit, "500ms", "60s", "5m", "1h", "7d"; a string without one is seconds.
 * Undefined when unreadable, negative or not finite.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const AMOUNT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? Math.floor(value * 1000) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = AMOUNT.exec(value);
  if (!match) return undefined;
  const factor = match[2] ? UNITS[match[2].toLowerCase()] : 1000;
  if (factor === undefined) return undefined;
  const ms = Math.floor(Number(match[1]) * factor);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `60000` -> `"60s"`, `90000` -> `"90s"`, `1500` -> `"1500ms"`: for messages. */
export function formatDurationMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
