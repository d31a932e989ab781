/** A failed try that will be tried again, as `onRetry` is told of it. */
export interface RetryEvent {
  /** The try that failed (1-based). */
  attempt: number;
  /** How long the next try waits. */
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Tries in all, the first included (at least one is made). */
  attempts: number;
  /** Wait before the first retry, doubled for each one after it. Default 0: no wait. */
  baseDelayMs?: number;
  /** The longest wait. Default: no bound. */
  maxDelayMs?: number;
  /**
   * Up to this fraction (0..1) of each wait is taken off at random, so that many callers
   * that failed together do not all come back at the same moment. Default 0.
   */
  jitter?: number;
  /** Whether a failure may be tried again; default: every failure. Others are thrown as they are. */
  retryable?: (error: unknown, attempt: number) => boolean;
  /**
   * Called before each retry's wait. It may repair what is in the way (its own failure is thrown
   * as it is and ends the retries).
   */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /** Ends the retries: the wait stops and the signal's reason is thrown. */
  signal?: AbortSignal;
}

/** The wait before retry `attempt` + 1 (`attempt` is the try that failed, 1-based). */
export function retryDelay(options: RetryOptions, attempt: number): number {
  const base = Math.min(
    options.maxDelayMs ?? Number.POSITIVE_INFINITY,
    (options.baseDelayMs ?? 0) * 2 ** (attempt - 1),
  );
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
  return Math.round(base * (1 - jitter * Math.random()));
}

/**
 * Runs `work` until it succeeds, fails with something `retryable` refuses, or has used up
 * `attempts`: then the last failure is thrown as it is, for the caller to name. The one retry
 * loop of the platform: callers say what may pass (a connection fault, a unique-key clash, a
 * folder in the way), and this says how often and how long to wait.
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts) throw error;
      if (options.retryable && !options.retryable(error, attempt)) throw error;
      const delayMs = retryDelay(options, attempt);
      await options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 && !signal) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
