import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { guardPid, releasePid } from "./exit-guard.js";
import { cleanBaseEnv, entryEnv, nodeArgs } from "./node-runner.js";
import { REPO_ROOT } from "./repo-paths.js";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessSpec {
  /** Short name for messages and the log file, e.g. "api-0". */
  name: string;
  /** Compiled JavaScript entry (dist/), run with plain `node`. */
  entry: string;
  /** Environment on top of a clean copy of the caller's (see cleanBaseEnv). */
  env: Record<string, string>;
  /** Every start appends stdout and stderr here, after a `=== harness: ...` marker line. */
  logFile: string;
}

const STOP_GRACE_MS = 15_000;
const KILL_WAIT_MS = 5_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One platform process (an API or a worker) that can be started again after it ended.
 * The pid is the node process that runs the server itself: signalling it reaches the server.
 */
export class PlatformProcess {
  private child: ChildProcess | null = null;
  private exit: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private lastExit: ExitInfo | null = null;
  private logOffset = 0;
  /** Per-start environment overrides (replaced by start({ env })). */
  private overrides: Record<string, string> = {};

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  /** The pid of the running process; undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.lastExit === null;
  }

  /** How the last run ended, or null while it runs (or never ran). */
  get exitInfo(): ExitInfo | null {
    return this.lastExit;
  }

  /** The environment of the next start (spec env plus overrides). */
  get env(): Record<string, string> {
    return { ...this.spec.env, ...this.overrides };
  }

  /**
   * Spawns the process (does not wait for readiness). `env` replaces the overrides of earlier
   * starts; without it the previous overrides stay.
   */
  async spawn(options: { env?: Record<string, string> } = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    if (options.env) this.overrides = { ...options.env };
    this.logOffset = await stat(this.logFile).then(
      (s) => s.size,
      () => 0,
    );
    const fd = openSync(this.logFile, "a");
    let child: ChildProcess;
    try {
      writeSync(fd, `\n=== harness: starting ${this.name} at ${new Date().toISOString()} ===\n`);
      child = spawn(process.execPath, nodeArgs(this.spec.entry), {
        cwd: REPO_ROOT,
        env: { ...cleanBaseEnv(), ...entryEnv(this.spec.entry), ...this.env },
        stdio: ["ignore", fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.lastExit = null;
    this.exit = new Promise<ExitInfo>((resolve) => {
      child.once("exit", (code, signal) => {
        const info = { code, signal };
        if (this.child === child) this.lastExit = info;
        if (child.pid !== undefined) releasePid(child.pid);
        resolve(info);
      });
      child.once("error", () => {
        const info = { code: null, signal: null };
        if (this.child === child) this.lastExit = info;
        resolve(info);
      });
    });
    if (child.pid === undefined) {
      await this.exit;
      throw new Error(`${this.name} could not be spawned (see ${this.logFile})`);
    }
    guardPid(child.pid);
  }

  /** Sends a signal without waiting (SIGSTOP, SIGCONT, SIGUSR2, ...). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running`);
    process.kill(pid, signal);
  }

  /** Sends `signal` (default SIGKILL) and waits, bounded, until the process has exited. */
  async kill(signal: NodeJS.Signals = "SIGKILL", timeoutMs = KILL_WAIT_MS): Promise<ExitInfo> {
    if (!this.running) return this.lastExit ?? { code: null, signal: null };
    this.signal(signal);
    const info = await this.waitExit(timeoutMs);
    if (!info)
      throw new Error(
        `${this.name} (pid ${this.child?.pid}) did not exit within ${timeoutMs} ms of ${signal}`,
      );
    return info;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once it is gone. */
  async stop(graceMs = STOP_GRACE_MS): Promise<ExitInfo | null> {
    if (!this.running) return this.lastExit;
    try {
      this.signal("SIGTERM");
      // A paused (SIGSTOPped) process handles SIGTERM only once it runs again.
      this.signal("SIGCONT");
    } catch {
      // exited in between
    }
    const info = await this.waitExit(graceMs);
    if (info) return info;
    return this.kill("SIGKILL");
  }

  /** The exit of the current run, or null when it has not exited within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<ExitInfo | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the current (or last) run wrote so far. */
  async output(): Promise<string> {
    const bytes = await readFile(this.logFile).catch(() => Buffer.alloc(0));
    return bytes.subarray(this.logOffset).toString("utf8");
  }

  /**
   * Waits (bounded) until the current run's output matches `pattern`; fails early, naming the
   * log file, when the process exits first.
   */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pattern.test(await this.output())) return;
      if (!this.running) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.lastExit)}) before printing ${pattern}; see ${this.logFile}`,
        );
      }
      if (Date.now() >= deadline)
        throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms; see ${this.logFile}`);
      await delay(100);
    }
  }
}

/** The pids of every live descendant of `pid` (from /proc; empty where /proc is missing). */
export async function descendantPids(pid: number): Promise<number[]> {
  const { readdir } = await import("node:fs/promises");
  const parents = new Map<number, number[]>();
  const entries = await readdir("/proc").catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const text = await readFile(`/proc/${e}/stat`, "utf8").catch(() => null);
        if (!text) return;
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
        const ppid = Number(fields[1]);
        const list = parents.get(ppid) ?? [];
        list.push(Number(e));
        parents.set(ppid, list);
      }),
  );
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    for (const child of parents.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** True while a process with this pid exists and is not a zombie. */
export async function pidAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (!text) return true;
  return text.slice(text.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
}
