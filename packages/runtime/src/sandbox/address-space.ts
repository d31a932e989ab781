import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { PluginUser } from "./plugin-user.js";

/** What a plugin's code and libuv threads add to an idle process before it counts against its memory. */
export const ADDRESS_SPACE_SLACK_MB = 64;

/**
 * RLIMIT_AS of a plugin process: the address space of an idle sandbox (V8 reserves most
 * of it up front), plus slack, plus the heap limit, plus as much again for memory outside
 * the heap (Buffers, ArrayBuffers, native allocations). A plugin limited to 64Mi can thus
 * hold about 64 MiB of heap and 64 MiB of Buffers; a 256 MB Buffer is refused.
 */
export function addressSpaceLimitMb(idleMb: number, memoryMb: number): number {
  return Math.ceil(idleMb) + ADDRESS_SPACE_SLACK_MB + 2 * memoryMb;
}

/** util-linux prlimit, which sets the limit and then execs Node (same pid). Null when absent. */
export function findPrlimit(
  candidates = ["/usr/bin/prlimit", "/bin/prlimit", "/usr/sbin/prlimit"],
): string | null {
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** VmSize of a process in MiB, from /proc/<pid>/status; null when it cannot be read. */
export async function vmSizeMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmSize:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/**
 * Measures the address space of an idle sandbox on this machine: starts the bootstrap
 * with the sandbox's flags (no plugin), reads its VmSize once it said hello, kills it.
 * It depends on the Node version and the machine (V8 sizes its reservations by them),
 * so every node measures once instead of trusting a constant.
 */
export function measureIdleAddressSpaceMb(options: {
  execPath: string;
  bootstrap: string;
  user: PluginUser | null;
  timeoutMs?: number;
}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.execPath,
      [
        "--permission",
        `--allow-fs-read=${options.bootstrap}`,
        "--max-old-space-size=64",
        "--disallow-code-generation-from-strings",
        "--no-experimental-sqlite",
        "--no-experimental-webstorage",
        "--no-addons",
        "--disable-sigusr1",
        options.bootstrap,
      ],
      {
        env: { MALLOC_ARENA_MAX: "1" },
        cwd: "/",
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        serialization: "advanced",
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the sandbox probe did not start within ${options.timeoutMs ?? 10_000}ms`));
    }, options.timeoutMs ?? 10_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox probe ended (${signal ?? code}) before it said hello: ${stderr.trim()}`));
    });
    child.on("message", (message: { type?: string }) => {
      if (message?.type !== "hello" || child.pid === undefined) return;
      void vmSizeMb(child.pid).then((mb) => {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.kill("SIGKILL");
        if (mb === null) reject(new Error("/proc/<pid>/status of the sandbox probe could not be read"));
        else resolve(mb);
      });
    });
  });
}
