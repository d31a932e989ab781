import { AppError } from "@arcade/core";
import type { createQueueConnection } from "@arcade/queue";
import type { Context, MiddlewareHandler } from "hono";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { clientAddress } from "./client-address.js";

/** The ioredis client of @arcade/queue (this app does not depend on ioredis itself). */
type Redis = ReturnType<typeof createQueueConnection>;

/**
 * What one limiter needs: its budget per minute (0: off) and where its counters live. Counters
 * in Redis are shared by every API node, so N nodes allow the limit once, not N times. While
 * Redis is not ready each node counts in memory (the insurance limiter) instead of letting
 * everything through or failing requests.
 */
export interface LimiterSpec {
  perMinute: number;
  /** Redis key prefix of the counters, e.g. `arcade:rl:addr`. */
  keyPrefix: string;
}

export interface RateLimiterSetOptions {
  /** Counters shared across API nodes; absent: each process counts alone (tests, no Redis). */
  redis?: Redis;
  /** Requests per client address per minute, before authentication. */
  address: LimiterSpec;
  /** Failed authentications per client address per minute. */
  authFailures: LimiterSpec;
  /** Requests per token per minute, after authentication. */
  token: LimiterSpec;
}

/** A consumable budget: null when switched off. */
export type Limiter = RateLimiterRedis | RateLimiterMemory | null;

export interface RateLimiterSet {
  address: Limiter;
  authFailures: Limiter;
  token: Limiter;
}

const WINDOW_SECONDS = 60;

function limiter(spec: LimiterSpec, redis: Redis | undefined): Limiter {
  if (spec.perMinute <= 0) return null;
  const base = {
    points: spec.perMinute,
    duration: WINDOW_SECONDS,
    keyPrefix: spec.keyPrefix,
    // A caller over its budget is refused from memory until the window ends: a flood costs
    // no Redis round trip per request.
    inMemoryBlockOnConsumed: spec.perMinute + 1,
  };
  if (!redis) return new RateLimiterMemory(base);
  return new RateLimiterRedis({
    ...base,
    storeClient: redis,
    // Fall back to the in-memory limiter at once when the connection is down, instead of
    // queueing the command until Redis is back (the request would hang until then).
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: spec.perMinute, duration: WINDOW_SECONDS }),
  });
}

export function createRateLimiterSet(options: RateLimiterSetOptions): RateLimiterSet {
  return {
    address: limiter(options.address, options.redis),
    authFailures: limiter(options.authFailures, options.redis),
    token: limiter(options.token, options.redis),
  };
}

function rateLimited(res: RateLimiterRes, what: string, perMinute: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError("RATE_LIMITED", "too many requests", {
    detail: `At most ${perMinute} ${what} a minute; retry after ${retryAfter} s.`,
    extras: { retryAfter },
  });
}

/** Takes one point; RATE_LIMITED when the budget is spent. A store error lets the request through. */
export async function consume(limit: Limiter, key: string, what: string, c: Context): Promise<void> {
  if (!limit) return;
  try {
    await limit.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(error, what, limit.points);
    // Redis and the insurance limiter both failed: limiting is a guard, not a gate to the API.
    c.get("logger")?.warn({ err: error }, "rate limiter unavailable; request let through");
  }
}

/** Whether the key's budget is already spent, without spending any. */
async function exhausted(limit: Limiter, key: string): Promise<RateLimiterRes | null> {
  if (!limit) return null;
  try {
    const res = await limit.get(key);
    return res && res.consumedPoints >= limit.points ? res : null;
  } catch {
    return null;
  }
}

/** Budget per client address, checked before anything is authenticated or parsed. */
export function limitByAddress(limit: Limiter, options: { trustProxy: boolean }): MiddlewareHandler {
  return async function limitByAddressMiddleware(c, next) {
    await consume(limit, addressKey(c, options.trustProxy), "requests per client address", c);
    return next();
  };
}

/**
 * Wraps authentication: an address whose failed authentications are spent is refused before
 * its token is even hashed, and every 401 spends one point, so a flood of bad tokens from one
 * address ends in 429s within a minute's budget.
 */
export function guardAuthentication(
  limit: Limiter,
  authenticate: MiddlewareHandler,
  options: { trustProxy: boolean },
): MiddlewareHandler {
  return async function guardAuthenticationMiddleware(c, next) {
    const key = addressKey(c, options.trustProxy);
    const spent = await exhausted(limit, key);
    if (spent && limit) throw rateLimited(spent, "failed authentications per client address", limit.points);
    let authenticated = false;
    try {
      await authenticate(c, async () => {
        authenticated = true;
      });
    } catch (error) {
      if ((error as AppError).code === "UNAUTHORIZED") {
        await consume(limit, key, "failed authentications per client address", c);
      }
      throw error;
    }
    if (!authenticated) return;
    return next();
  };
}

/** Budget per token after authentication (per address when auth is off: everyone is "anonymous"). */
export function limitByToken(limit: Limiter, options: { trustProxy: boolean }): MiddlewareHandler {
  return async function limitByTokenMiddleware(c, next) {
    const principal = c.get("principal");
    const key =
      principal && principal.name !== "anonymous"
        ? `token:${principal.name}`
        : `addr:${addressKey(c, options.trustProxy)}`;
    await consume(limit, key, "requests per token", c);
    return next();
  };
}

function addressKey(c: Context, trustProxy: boolean): string {
  return clientAddress(c, { trustProxy }) ?? "unknown";
}
