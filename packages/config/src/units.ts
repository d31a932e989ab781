/**
 * Human-friendly sizes and durations, as the TOML file and env vars may spell them.
 * Sizes follow SI/IEC: KB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024, so
 * "100MB" and "100MiB" mean what they say. Plain numbers are bytes / milliseconds.
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

const AMOUNT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

function parseAmount(value: unknown, units: Record<string, number>, plainUnit: string): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value !== "string") return undefined;
  const match = AMOUNT.exec(value);
  if (!match) return undefined;
  const factor = units[(match[2] || plainUnit).toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}

/** Bytes from `1048576`, `"1048576"`, `"100MB"`, `"50MiB"`, `"1.5 GiB"`; undefined if unreadable. */
export function parseSize(value: unknown): number | undefined {
  return parseAmount(value, SIZE_UNITS, "b");
}

/** Milliseconds from `1500`, `"1500"`, `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"7d"`; undefined if unreadable. */
export function parseDuration(value: unknown): number | undefined {
  return parseAmount(value, DURATION_UNITS, "ms");
}

/** `52428800` -> `"50MiB"`, for messages and the startup summary. */
export function formatSize(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"]) {
    const factor = SIZE_UNITS[unit.toLowerCase()]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
