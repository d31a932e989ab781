/**
 * Crash-loop quarantine: a plugin version that keeps crashing on a node after an update is
 * rolled back on that node to the last version that ran cleanly there, instead of restarting
 * for ever. These are the node's rules; it records its restarts and runs (times in ms).
 */
export interface CrashLoopPolicy {
  /** This many crashes or restarts ... */
  maxCrashes: number;
  /** ... within this long (any window, after the update) is a crash loop. */
  windowMs: number;
}

/** Three crashes within five minutes. */
export const DEFAULT_CRASH_LOOP: Readonly<CrashLoopPolicy> = Object.freeze({
  maxCrashes: 3,
  windowMs: 300_000,
});

export interface CrashLoopCheck {
  quarantine: boolean;
  /** The restarts that made the loop (maxCrashes of them), empty without one. */
  crashes: number[];
  /** Restarts since the update. */
  sinceUpdate: number;
}

/**
 * Whether the restarts since `updatedAt` hold `maxCrashes` within `windowMs` of each other.
 * Restarts before the update belong to the old version and do not count.
 */
export function detectCrashLoop(
  restarts: readonly number[],
  updatedAt: number,
  policy: CrashLoopPolicy = DEFAULT_CRASH_LOOP,
): CrashLoopCheck {
  const since = restarts.filter((t) => t >= updatedAt).sort((a, b) => a - b);
  const n = Math.max(1, Math.floor(policy.maxCrashes));
  for (let i = 0; i + n - 1 < since.length; i++) {
    const first = since[i] as number;
    const last = since[i + n - 1] as number;
    if (last - first <= policy.windowMs) {
      return { quarantine: true, crashes: since.slice(i, i + n), sinceUpdate: since.length };
    }
  }
  return { quarantine: false, crashes: [], sinceUpdate: since.length };
}

/** One period a node ran one version of a plugin. */
export interface VersionRun {
  version: string;
  startedAt: number;
  /** null: still running. */
  endedAt: number | null;
  /** The run ended in a crash loop (quarantined). */
  crashLoop: boolean;
}

/**
 * The version to fall back to on this node: the most recent run, of another version than the
 * failing one, that lasted at least `cleanForMs` without a crash loop. null when there is none
 * (a first install): the node then stops the plugin and reports it (status 2 with the reason).
 */
export function lastCleanVersion(
  runs: readonly VersionRun[],
  failingVersion: string,
  cleanForMs: number = DEFAULT_CRASH_LOOP.windowMs,
): string | null {
  const clean = runs
    .filter(
      (r) =>
        r.version !== failingVersion &&
        !r.crashLoop &&
        r.endedAt !== null &&
        r.endedAt - r.startedAt >= cleanForMs,
    )
    .sort((a, b) => (b.endedAt as number) - (a.endedAt as number));
  return clean[0]?.version ?? null;
}
