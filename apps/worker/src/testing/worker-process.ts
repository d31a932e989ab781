import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Pipeline } from "./pipeline.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const tsxCli = `${root}node_modules/tsx/dist/cli.mjs`;

export interface WorkerProcess {
  child: ChildProcess;
  /** What it printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

/**
 * The worker's composition root (main.ts) as its own process, on the suite's SQLite file,
 * store and prefix. No ARCADE_* variable of the test run leaks in; `env` adds or overrides.
 * The metrics endpoint is off unless `env` names a port: a fixed default would clash with
 * any other worker on this machine.
 */
export function startWorkerProcess(p: Pipeline, env: Record<string, string> = {}): WorkerProcess {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith("ARCADE_")) childEnv[key] = value;
  Object.assign(childEnv, {
    ARCADE_REDIS_URL: process.env.ARCADE_TEST_REDIS_URL,
    ARCADE_REDIS_KEY_PREFIX: p.prefix,
    ARCADE_SERVER_DATA_DIR: p.resources.dir,
    ARCADE_NODE_ID: "worker-under-test",
    ARCADE_NODE_CONVERGENCE_TIMEOUT: "3s",
    ARCADE_WORKER_SHUTDOWN_TIMEOUT: "30s",
    ARCADE_WORKER_CONCURRENCY: "1",
    ARCADE_WORKER_METRICS_PORT: "0",
    ...env,
  });
  const child = spawn(
    process.execPath,
    [tsxCli, "--tsconfig", "infra/tsconfig.run.json", "apps/worker/src/main.ts"],
    { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}
