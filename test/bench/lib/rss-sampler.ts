import { readFile } from "node:fs/promises";

/** Resident set size of a process in MiB from /proc/<pid>/status (VmRSS, or VmHWM = its peak so far). */
export async function readRss(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => null);
  if (!text) return null;
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) / 1024 : null;
}

/**
 * Samples VmRSS of some processes every `intervalMs` and keeps the peak of each, so a peak
 * during one phase can be told from the peak of the process's whole life (VmHWM).
 */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly intervalMs = 20,
  ) {}

  start(): this {
    this.peaks.clear();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    void this.sample();
    return this;
  }

  /** Stops sampling and returns the peak VmRSS (MiB) of each named process. */
  async stop(): Promise<Record<string, number>> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sample();
    return Object.fromEntries(this.peaks);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const [name, pid] of Object.entries(this.pids())) {
        if (pid === undefined) continue;
        const rss = await readRss(pid);
        if (rss !== null && rss > (this.peaks.get(name) ?? 0)) this.peaks.set(name, rss);
      }
    } finally {
      this.busy = false;
    }
  }
}
