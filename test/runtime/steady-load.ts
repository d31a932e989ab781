/** One call the load made, as the client saw it. */
export interface CallRecord {
  /** Which target (e.g. API index) it went to. */
  target: number;
  /** Label of the phase that was current when the call started (see SteadyLoad.phase). */
  phase: string;
  startedAt: number;
  finishedAt: number;
  status: number;
  /** What the answer says (filled by the caller's `call`), e.g. the version that served it. */
  answer: Record<string, unknown> | null;
  error: string | null;
}

export interface SteadyLoadOptions {
  /** How many targets (e.g. API processes) to spread the calls over. */
  targets: number;
  /** Calls per second per target. */
  ratePerTarget: number;
  /** Sequential callers per target: a slow answer does not stall the rate until all of them wait. */
  callersPerTarget: number;
  /** Hard bound on the calls per target, whatever happens (a stuck test must end). */
  maxCallsPerTarget: number;
  /** Makes one call to `target`; resolves with the status and what the answer says. */
  call(target: number): Promise<{ status: number; answer: Record<string, unknown> | null }>;
}

/**
 * A client that keeps calling every target at a steady, bounded rate (no bursts: each caller
 * waits for its own answer and for its next slot), recording each call with the phase label
 * that was current when it started.
 */
export class SteadyLoad {
  readonly records: CallRecord[] = [];
  private current = "start";
  private stopped = false;
  private runners: Promise<void>[] = [];

  constructor(private readonly options: SteadyLoadOptions) {}

  /** Labels calls started from now on. */
  phase(label: string): void {
    this.current = label;
  }

  start(): void {
    const { targets, ratePerTarget, callersPerTarget, maxCallsPerTarget } = this.options;
    const intervalMs = (1000 * callersPerTarget) / ratePerTarget;
    const perCaller = Math.ceil(maxCallsPerTarget / callersPerTarget);
    for (let target = 0; target < targets; target += 1) {
      for (let caller = 0; caller < callersPerTarget; caller += 1) {
        // Stagger the callers of one target so their calls interleave evenly.
        const offset = (intervalMs * caller) / callersPerTarget;
        this.runners.push(this.run(target, offset, intervalMs, perCaller));
      }
    }
  }

  /** Stops starting calls and waits for the ones in flight. */
  async stop(): Promise<CallRecord[]> {
    this.stopped = true;
    await Promise.all(this.runners);
    return this.records;
  }

  private async run(target: number, offsetMs: number, intervalMs: number, maxCalls: number): Promise<void> {
    const begin = Date.now() + offsetMs;
    for (let n = 0; n < maxCalls && !this.stopped; n += 1) {
      const wait = begin + n * intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.stopped) return;
      const phase = this.current;
      const startedAt = Date.now();
      try {
        const { status, answer } = await this.options.call(target);
        this.records.push({ target, phase, startedAt, finishedAt: Date.now(), status, answer, error: null });
      } catch (error) {
        this.records.push({
          target,
          phase,
          startedAt,
          finishedAt: Date.now(),
          status: 0,
          answer: null,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
