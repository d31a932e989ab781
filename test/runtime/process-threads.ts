import { readFile } from "node:fs/promises";
import { waitUntil } from "./wait-until.js";

/**
 * OS threads of a process (Linux /proc). Each plugin sandbox is one worker thread, so the
 * count tells from outside whether a replaced or unloaded sandbox really ended.
 */
export async function osThreads(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error("the process is not running");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const count = Number(/^Threads:\s+(\d+)$/m.exec(status)?.[1]);
  if (!Number.isInteger(count)) throw new Error(`no thread count in /proc/${pid}/status`);
  return count;
}

/** Waits (bounded) until the process runs exactly `want` threads: ending a thread is not instant. */
export async function waitThreads(pid: number | undefined, want: number, what: string): Promise<void> {
  await waitUntil(
    `${what}: ${want} threads`,
    async () => ((await osThreads(pid)) === want ? true : undefined),
    { timeoutMs: 10_000, describe: async () => `${await osThreads(pid)} threads` },
  );
}
