import { readFile } from "node:fs/promises";

/** Clock ticks per second of /proc times (USER_HZ; 100 on Linux). */
const TICKS = 100;

export interface CpuMark {
  busy: number;
  total: number;
}

/** Machine-wide CPU counters from /proc/stat (all cores). */
export async function cpuMark(): Promise<CpuMark> {
  const text = await readFile("/proc/stat", "utf8").catch(() => "");
  const fields = (text.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share of all cores' time that was busy since `start` (0..1). */
export async function cpuBusySince(start: CpuMark): Promise<number> {
  const now = await cpuMark();
  const total = now.total - start.total;
  return total > 0 ? (now.busy - start.busy) / total : 0;
}

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (!text) return null;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 0, utime 11, stime 12.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}
