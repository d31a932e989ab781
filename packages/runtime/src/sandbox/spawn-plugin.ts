import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { LaunchPlan } from "./launch-args.js";

/** A plugin process as started from a launch plan, before a sandbox takes it over. */
export interface SpawnedProcess {
  child: ChildProcess;
  stdout: Readable;
  stderr: Readable;
  /** True once the bootstrap said hello (a warm spare is taken only then). */
  helloed: boolean;
  /** Set if it ended before a sandbox took it. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Starts a plugin process: stdout/stderr piped (they go to the node's log), an IPC channel
 * with structured-clone ("advanced") serialization, the plan's environment and nothing else,
 * as the plan's OS user.
 */
export function spawnPlugin(plan: LaunchPlan): SpawnedProcess {
  const child = spawn(plan.command, plan.args, {
    env: plan.env,
    cwd: plan.cwd,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    serialization: "advanced",
    ...(plan.uid === undefined ? {} : { uid: plan.uid }),
    ...(plan.gid === undefined ? {} : { gid: plan.gid }),
  });
  if (!child.stdout || !child.stderr) {
    child.kill("SIGKILL");
    throw new Error("the plugin process has no stdout/stderr pipes");
  }
  return { child, stdout: child.stdout, stderr: child.stderr, helloed: false };
}
