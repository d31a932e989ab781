import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { guardPid, releasePid } from "../harness/exit-guard.js";
import { descendantPids, pidAlive } from "../harness/platform-process.js";
import type { ShBlock } from "./markdown-blocks.js";
import { blockScript } from "./shell-wrapper.js";

export interface RunOptions {
  /** The checkout the blocks run in (every terminal starts there). */
  cwd: string;
  /** Environment of every terminal. */
  env: NodeJS.ProcessEnv;
  /** Scripts, terminal states and output files go here. */
  runDir: string;
  /** Applied to each block's text before it runs (the documented port mapping). */
  rewrite?: (text: string) => string;
  /** Longest a block may run; default 180 s. */
  blockTimeoutMs?: number;
  /** How long a background terminal gets to stop after its Ctrl-C; default 60 s. */
  stopGraceMs?: number;
  /** Progress lines, e.g. console.log. */
  log?: (line: string) => void;
}

export type BlockStatus = "passed" | "failed" | "skipped" | "started" | "not-run";

export interface BlockOutcome {
  block: ShBlock;
  status: BlockStatus;
  /** Why it was skipped or failed. */
  reason?: string;
  exitCode?: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface WalkthroughResult {
  ok: boolean;
  outcomes: BlockOutcome[];
  /** A readable report of the failure: the block, its output, the background terminals' output. */
  failure?: string;
  durationMs: number;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Terminal {
  name: string;
  child: ChildProcess;
  exited: Promise<Exit>;
  done: boolean;
  /** Set once we pressed Ctrl-C: its exit is expected then. */
  stopping: boolean;
  block: ShBlock;
  stdoutFile: string;
  stderrFile: string;
}

const MAIN = "main";

/**
 * Runs the blocks in order, as a reader would: each `run` block in the reader's terminal (state
 * carried from block to block), each `background` block in a terminal of its own that keeps
 * running, `illustrative` blocks not at all. A block passes when it exits 0; the first that
 * does not, runs too long, or during which a background terminal ends unasked, fails the
 * walk-through and the rest are not run. Everything started is stopped at the end.
 */
export async function runWalkthrough(
  blocks: readonly ShBlock[],
  options: RunOptions,
): Promise<WalkthroughResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const timeoutMs = options.blockTimeoutMs ?? 180_000;
  await mkdir(path.join(options.runDir, "state"), { recursive: true });
  await mkdir(path.join(options.runDir, "blocks"), { recursive: true });

  const terminals = new Map<string, Terminal>();
  /** Process groups of finished `run` blocks: what they left running with `&`. */
  const leftGroups = new Set<number>();
  const outcomes: BlockOutcome[] = [];
  let failure: string | undefined;

  try {
    for (const [index, block] of blocks.entries()) {
      if (failure) {
        outcomes.push({ block, status: "not-run", stdout: "", stderr: "", durationMs: 0 });
        continue;
      }
      const where = `${block.file}:${block.line}`;
      const crashed = [...terminals.values()].find((t) => t.done && !t.stopping);
      if (crashed) {
        failure = await endedByItself(crashed, terminals, outcomes);
        outcomes.push({ block, status: "not-run", stdout: "", stderr: "", durationMs: 0 });
        continue;
      }
      if (block.mode.kind === "illustrative") {
        log(`  - ${where} skipped (illustrative: ${block.mode.reason})`);
        outcomes.push({
          block,
          status: "skipped",
          reason: block.mode.reason,
          stdout: "",
          stderr: "",
          durationMs: 0,
        });
        continue;
      }
      const text = options.rewrite ? options.rewrite(block.text) : block.text;
      const terminal = block.mode.kind === "background" ? block.mode.terminal : MAIN;
      const base = path.join(options.runDir, "blocks", `${String(index + 1).padStart(2, "0")}-${terminal}`);
      const script = `${base}.sh`;
      await writeFile(script, blockScript(text, path.join(options.runDir, "state", `${terminal}.sh`)));
      const blockStarted = Date.now();

      if (block.mode.kind === "background") {
        const running = terminals.get(terminal);
        if (running && !running.done) {
          log(
            `  … Ctrl-C in terminal "${terminal}" (started at ${running.block.file}:${running.block.line})`,
          );
          await stopTerminal(running, options.stopGraceMs ?? 60_000);
        }
        const child = startScript(script, base, options);
        const t: Terminal = {
          name: terminal,
          child,
          exited: exitOf(child),
          done: false,
          stopping: false,
          block,
          stdoutFile: `${base}.out`,
          stderrFile: `${base}.err`,
        };
        void t.exited.then(() => {
          t.done = true;
        });
        terminals.set(terminal, t);
        log(`  ▶ ${where} started in terminal "${terminal}"`);
        outcomes.push({ block, status: "started", stdout: "", stderr: "", durationMs: 0 });
        continue;
      }

      const child = startScript(script, base, options);
      leftGroups.add(child.pid!);
      const ended = await Promise.race([
        exitOf(child).then((exit) => ({ kind: "exit" as const, exit })),
        sleep(timeoutMs).then(() => ({ kind: "timeout" as const })),
        unexpectedEnd(terminals).then((t) => ({ kind: "background-ended" as const, terminal: t })),
      ]);
      if (ended.kind !== "exit") await killGroup(child.pid!, "SIGKILL");
      const [stdout, stderr] = await Promise.all([readText(`${base}.out`), readText(`${base}.err`)]);
      const durationMs = Date.now() - blockStarted;
      const seconds = `${(durationMs / 1000).toFixed(1)}s`;
      if (ended.kind === "exit" && ended.exit.code === 0) {
        log(`  ✓ ${where} (${seconds})`);
        outcomes.push({ block, status: "passed", exitCode: 0, stdout, stderr, durationMs });
        continue;
      }
      const reason =
        ended.kind === "timeout"
          ? `did not finish within ${timeoutMs / 1000}s`
          : ended.kind === "background-ended"
            ? `terminal "${ended.terminal.name}" (${ended.terminal.block.file}:${ended.terminal.block.line}) ended while this block ran`
            : `exit code ${ended.exit.code ?? ended.exit.signal}`;
      log(`  ✗ ${where} ${reason} (${seconds})`);
      outcomes.push({
        block,
        status: "failed",
        reason,
        exitCode: ended.kind === "exit" ? ended.exit.code : null,
        stdout,
        stderr,
        durationMs,
      });
      failure = await failureReport(block, text, reason, stdout, stderr, terminals);
    }

    // A background terminal that ended by itself (npm start crashed) fails the walk-through too.
    const crashed = [...terminals.values()].find((t) => t.done && !t.stopping);
    if (!failure && crashed) failure = await endedByItself(crashed, terminals, outcomes);
  } finally {
    for (const t of terminals.values()) await stopTerminal(t, options.stopGraceMs ?? 60_000);
    for (const pgid of leftGroups) await killGroup(pgid, "SIGTERM");
    await sleep(leftGroups.size > 0 ? 500 : 0);
    for (const pgid of leftGroups) await killGroup(pgid, "SIGKILL");
  }
  return {
    ok: failure === undefined,
    outcomes,
    ...(failure ? { failure } : {}),
    durationMs: Date.now() - started,
  };
}

async function endedByItself(
  t: Terminal,
  terminals: Map<string, Terminal>,
  outcomes: BlockOutcome[],
): Promise<string> {
  const exit = await t.exited;
  const reason = `the background terminal "${t.name}" ended by itself (exit code ${exit.code ?? exit.signal})`;
  const outcome = outcomes.find((o) => o.block === t.block);
  if (outcome) Object.assign(outcome, { status: "failed", reason, exitCode: exit.code });
  return failureReport(
    t.block,
    t.block.text,
    reason,
    await readText(t.stdoutFile),
    await readText(t.stderrFile),
    terminals,
  );
}

function startScript(script: string, base: string, options: RunOptions): ChildProcess {
  // Files, not pipes: a process the block leaves running with `&` keeps its output going
  // somewhere without holding a pipe (and the block's end) open.
  const out = openSync(`${base}.out`, "a");
  const err = openSync(`${base}.err`, "a");
  try {
    // Its own process group, like a terminal's foreground job: a Ctrl-C (SIGINT to the group)
    // reaches every process of it, and cleanup can take the whole group down.
    const child = spawn("bash", [script], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", out, err],
      detached: true,
    });
    guardPid(-child.pid!);
    return child;
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Resolves with the first background terminal that ends without having been asked to. */
function unexpectedEnd(terminals: Map<string, Terminal>): Promise<Terminal> {
  const running = [...terminals.values()].filter((t) => !t.done && !t.stopping);
  return new Promise((resolve) => {
    for (const t of running) void t.exited.then(() => (t.stopping ? undefined : resolve(t)));
  });
}

/** Ctrl-C, as a reader stops `npm start`: SIGINT to the terminal's process group; then harder. */
async function stopTerminal(t: Terminal, graceMs: number): Promise<void> {
  const pgid = t.child.pid!;
  t.stopping = true;
  // Processes that left the group (start.sh runs the API and worker with setsid): remembered
  // now, killed below if the Ctrl-C did not take them down with their parent.
  const family = await descendantPids(pgid);
  if (!t.done) {
    await killGroup(pgid, "SIGINT");
    const stopped = await Promise.race([t.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!stopped) {
      await killGroup(pgid, "SIGTERM");
      await Promise.race([t.exited, sleep(5000)]);
    }
  }
  await killGroup(pgid, "SIGKILL");
  for (const pid of family) {
    if (await pidAlive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
  releasePid(-pgid);
}

async function killGroup(pgid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
  if (signal === "SIGKILL") releasePid(-pgid);
}

async function readText(file: string): Promise<string> {
  return readFile(file, "utf8").catch(() => "");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? [`… (${all.length - lines} lines before)`, ...all.slice(-lines)] : all).join(
    "\n",
  );
}

async function failureReport(
  block: ShBlock,
  text: string,
  reason: string,
  stdout: string,
  stderr: string,
  terminals: Map<string, Terminal>,
): Promise<string> {
  const parts = [
    `walk-through step failed: ${block.file}:${block.line} (section "${block.section}"): ${reason}`,
    "--- the block, as run ---",
    text.trimEnd(),
    "--- its stdout ---",
    tail(stdout, 60) || "(nothing)",
    "--- its stderr ---",
    tail(stderr, 60) || "(nothing)",
  ];
  for (const t of terminals.values()) {
    if (t.block === block) continue;
    const output = `${await readText(t.stdoutFile)}${await readText(t.stderrFile)}`;
    parts.push(
      `--- terminal "${t.name}" (${t.block.file}:${t.block.line}), last lines ---`,
      tail(output, 40) || "(nothing)",
    );
  }
  return parts.join("\n");
}
