const STATUS_NAMES: Record<number, string> = { 0: "disabled", 1: "enabled", 2: "error" };

export function statusName(isEnabled: number): string {
  return STATUS_NAMES[isEnabled] ?? String(isEnabled);
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** ISO time as "2024-05-01 12:00:03" (UTC), short enough for a table. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 19).replace("T", " ");
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : "-";
}

/** Seconds between two ISO times, e.g. "0.42s"; empty when either is missing. */
export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return "";
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isFinite(ms) && ms >= 0 ? `${(ms / 1000).toFixed(2)}s` : "";
}
