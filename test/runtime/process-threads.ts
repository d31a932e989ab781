import { readFile } from "node:fs/promises";
import { descendantPids } from "../harness/index.js";
import { waitUntil } from "./wait-until.js";

/**
 * Plugin processes of a node (Linux /proc): each plugin sandbox is one child process running
 * the sandbox bootstrap, so the count tells from outside whether a replaced or unloaded
 * sandbox really ended. Suites that count them run with runtime.warm_spare off: a spare is a
 * bootstrap process too, started and replaced on its own schedule.
 */
export async function sandboxProcesses(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error("the process is not running");
  let count = 0;
  for (const child of await descendantPids(pid)) {
    const cmdline = await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes("bootstrap.mjs")) count += 1;
  }
  return count;
}

/** Waits (bounded) until the node runs exactly `want` plugin processes: ending one is not instant. */
export async function waitSandboxProcesses(
  pid: number | undefined,
  want: number,
  what: string,
): Promise<void> {
  await waitUntil(
    `${what}: ${want} plugin processes`,
    async () => ((await sandboxProcesses(pid)) === want ? true : undefined),
    { timeoutMs: 10_000, describe: async () => `${await sandboxProcesses(pid)} plugin processes` },
  );
}

/** Environment of platforms whose suites count plugin processes. */
export const NO_WARM_SPARE: Record<string, string> = { ARCADE_RUNTIME_WARM_SPARE: "false" };
