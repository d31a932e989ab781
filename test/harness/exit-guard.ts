/**
 * Last line of defence against leftover servers: every live child pid is registered here and
 * SIGKILLed when the test process exits or is told to stop, even if no afterAll ran.
 * (parent-watch.mjs covers the case where the test process itself is SIGKILLed.)
 */
const live = new Set<number>();
const cleanups = new Set<() => void>();
let installed = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort at exit
    }
  }
  cleanups.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      killAll();
      // Only re-raise when nobody else handles the signal, so the default action (exit) happens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

export function guardPid(pid: number): void {
  install();
  live.add(pid);
}

export function releasePid(pid: number): void {
  live.delete(pid);
}

/** A synchronous cleanup (e.g. removing a temp folder) to run at exit; returns its remover. */
export function atExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
