import { AppError, retry } from "@arcade/core";

/** A fault that may pass: the connection failed or timed out, or the market answered 5xx/429. */
export class TransientFault extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientFault";
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each time up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 5_000 };

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: Error;
  what: string;
}

/**
 * Runs `work` through core's `retry` until it succeeds, fails with something other than a
 * TransientFault (thrown as it is), or runs out of attempts: then AppError
 * MARKET_UNAVAILABLE, which the job worker retries again later. Waits double from
 * `baseDelayMs` up to `maxDelayMs`, with up to 20 % jitter off.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  onRetry: ((event: RetryEvent) => void) | undefined,
  work: (attempt: number) => Promise<T>,
): Promise<T> {
  const attempts = Math.max(1, policy.attempts);
  try {
    return await retry(work, {
      attempts,
      baseDelayMs: policy.baseDelayMs,
      maxDelayMs: policy.maxDelayMs,
      jitter: 0.2,
      retryable: (error) => error instanceof TransientFault,
      onRetry: ({ attempt, delayMs, error }) => onRetry?.({ attempt, delayMs, error: error as Error, what }),
    });
  } catch (error) {
    if (!(error instanceof TransientFault)) throw error;
    throw new AppError("MARKET_UNAVAILABLE", `the market is unavailable: ${what}: ${error.message}`, {
      cause: error,
      detail: `Tried ${attempts} times. Check that plugin.market_api is reachable; the job retries later.`,
    });
  }
}
