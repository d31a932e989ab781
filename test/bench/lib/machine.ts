import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the run started: a busy machine explains odd figures. */
  loadAverage: number;
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  return {
    nproc: availableParallelism(),
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: release(),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}, load ${m.loadAverage} at start`;
}
