/**
 * Sizes and durations as the TOML file and env vars may spell them.
 *
 * One rule for every size and duration key (the original design's `[plugin]` block:
 * `max_plugin_size = 100  # MB`, `load_timeout = 30  # seconds`): a plain number is
 * mebibytes in a size key and seconds in a duration key, unless the key's name says
 * its unit (`backoff_ms`). A string with a unit means what it says: KB/MB/GB are powers
 * of 1000, KiB/MiB/GiB powers of 1024, "B" bytes; "500ms", "30s", "5m", "1h", "7d".
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** What a plain number means in a size key (MiB, or bytes for a key named so) or a duration key. */
export type SizePlainUnit = "MiB" | "B";
export type DurationPlainUnit = "s" | "ms";

const AMOUNT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

function parseAmount(value: unknown, units: Record<string, number>, plainUnit: string): number | undefined {
  const plainFactor = units[plainUnit.toLowerCase()]!;
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? Math.floor(value * plainFactor) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = AMOUNT.exec(value);
  if (!match) return undefined;
  const factor = match[2] ? units[match[2].toLowerCase()] : plainFactor;
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}

/** Whether `value` is a plain number (`30`, `"30"`), which takes the key's plain unit. */
export function isPlainNumber(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "string" && /^\s*\d+(?:\.\d+)?\s*$/.test(value);
}

/** Bytes from `100` (MiB), `"100"`, `"100MB"`, `"50MiB"`, `"1.5 GiB"`, `"1024B"`; undefined if unreadable. */
export function parseSize(value: unknown, plain: SizePlainUnit = "MiB"): number | undefined {
  return parseAmount(value, SIZE_UNITS, plain);
}

/** Milliseconds from `30` (seconds), `"30"`, `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"7d"`; undefined if unreadable. */
export function parseDuration(value: unknown, plain: DurationPlainUnit = "s"): number | undefined {
  return parseAmount(value, DURATION_UNITS, plain);
}

/** `52428800` -> `"50MiB"`, for messages and the startup summary. */
export function formatSize(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"]) {
    const factor = SIZE_UNITS[unit.toLowerCase()]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/** `30000` -> `"30s"`, `90061000` -> `"1d1h1m1s"`, `1500` -> `"1500ms"`: for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  if (rest > 0) parts.push(`${rest}s`);
  return parts.join("");
}
