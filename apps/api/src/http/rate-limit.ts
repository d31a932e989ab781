import { AppError } from "@arcade/core";
import type { MiddlewareHandler } from "hono";

/**
 * A token bucket per caller (token name, else client address): `perMinute`
 * requests refill evenly over a minute, bursts up to the same number.
 */
export function rateLimit(options: { perMinute: number; now?: () => number }): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  return async function rateLimitMiddleware(c, next) {
    if (capacity <= 0) return next();
    const key = c.get("principal")?.name ?? c.req.header("x-forwarded-for") ?? "anonymous";
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
    bucket.tokens = Math.min(capacity, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / perMs / 1000);
      buckets.set(key, bucket);
      throw new AppError("RATE_LIMITED", "too many requests", {
        detail: `Retry after ${retryAfter} s.`,
        extras: { retryAfter },
      });
    }
    bucket.tokens -= 1;
    buckets.set(key, bucket);
    if (buckets.size > 10_000) buckets.clear();
    return next();
  };
}
