import { AppError } from "@arcade/core";
import type { Context, MiddlewareHandler } from "hono";
import { clientAddress } from "./client-address.js";

export interface RateLimitOptions {
  /** Requests per caller per minute; 0 switches the limit off. */
  perMinute: number;
  /** Injectable clock (ms). */
  now?: () => number;
  /** Who the caller is. Default: the token's name, else the peer address. */
  keyOf?: (c: Context) => string;
  /** Most callers tracked at once (memory bound). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

function defaultKey(c: Context): string {
  const principal = c.get("principal");
  // With auth disabled every caller is "anonymous": tell them apart by address instead.
  if (principal && principal.name !== "anonymous") return `token:${principal.name}`;
  return `addr:${clientAddress(c) ?? "unknown"}`;
}

/**
 * A token bucket per caller: `perMinute` requests refill evenly over a minute,
 * bursts up to the same number. The map stays bounded without ever forgetting
 * a caller who is still being limited: full buckets (the same as no bucket)
 * are dropped first, and only if that is not enough the least recently seen.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const keyOf = options.keyOf ?? defaultKey;
  const maxKeys = options.maxKeys ?? 100_000;
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  // Map iteration order is insertion order; re-inserting on use makes it least-recently-used first.
  const buckets = new Map<string, Bucket>();

  // Evicting down to 90 % (not just one below the cap) keeps the sweep amortised
  // O(1) per request even when a flood of new callers keeps the map full.
  const target = Math.max(0, Math.floor(maxKeys * 0.9));
  function evict(t: number): void {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (t - bucket.at) * perMs >= capacity) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size <= target) break;
      buckets.delete(key);
    }
  }

  return async function rateLimitMiddleware(c, next) {
    if (capacity <= 0) return next();
    const key = keyOf(c);
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, t - bucket.at) * perMs);
    bucket.at = t;
    buckets.delete(key);
    if (buckets.size >= maxKeys) evict(t);
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      throw new AppError("RATE_LIMITED", "too many requests", {
        detail: `At most ${capacity} requests a minute; retry after ${retryAfter} s.`,
        extras: { retryAfter },
      });
    }
    bucket.tokens -= 1;
    return next();
  };
}
