import { createHash } from "node:crypto";
import { AppError } from "@arcade/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { authenticate } from "./auth.js";
import "./context.js";
import { createRateLimiterSet, guardAuthentication, limitByAddress, limitByToken } from "./rate-limit.js";
import { securityHeaders } from "./security-headers.js";

const GOOD = "good-token-0123456789";
const GOOD_SHA256 = createHash("sha256").update(GOOD).digest("hex");

/**
 * The app's limiter chain on a tiny app, in memory (the Redis-backed counters: rate-limit.int.test).
 * The client address comes from the env's socket, as under @hono/node-server.
 */
function chain(options: { address?: number; authFailures?: number; token?: number }) {
  const limiters = createRateLimiterSet({
    address: { perMinute: options.address ?? 0, keyPrefix: "t:addr" },
    authFailures: { perMinute: options.authFailures ?? 0, keyPrefix: "t:auth" },
    token: { perMinute: options.token ?? 0, keyPrefix: "t:token" },
  });
  const trust = { trustProxy: false };
  const app = new Hono();
  app.use(securityHeaders());
  app.use(limitByAddress(limiters.address, trust));
  app.use(
    guardAuthentication(
      limiters.authFailures,
      authenticate({ disabled: false, tokens: [{ name: "good", role: "viewer", sha256: GOOD_SHA256 }] }),
      trust,
    ),
  );
  app.use(limitByToken(limiters.token, trust));
  app.get("/", (c) => c.text("ok"));
  app.onError((error, c) => {
    if (!(error instanceof AppError)) throw error;
    const headers: Record<string, string> = {};
    if (error.code === "RATE_LIMITED") headers["retry-after"] = String(error.extras.retryAfter);
    return c.json({ code: error.code, ...error.extras }, error.status as 401, headers);
  });
  return async (address: string, token: string | null) => {
    const res = await app.request(
      "/",
      { headers: token ? { authorization: `Bearer ${token}` } : {} },
      { incoming: { socket: { remoteAddress: address } } },
    );
    return { status: res.status, headers: res.headers, body: res.status === 200 ? null : await res.json() };
  };
}

describe("rate limits", () => {
  it("a flood of bad tokens from one address ends in 429 with Retry-After, before the token is checked", async () => {
    const hit = chain({ authFailures: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await hit("10.0.0.1", `bad-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await hit("10.0.0.1", `bad-again`);
    expect(limited.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Refused before authentication: even the right token waits out the window from there.
    expect((await hit("10.0.0.1", GOOD)).status).toBe(429);
    // Another address is not affected.
    expect((await hit("10.0.0.2", GOOD)).status).toBe(200);
  });

  it("every 401 carries the Bearer challenge", async () => {
    const hit = chain({});
    expect((await hit("10.0.0.1", null)).headers.get("www-authenticate")).toBe('Bearer realm="arcade"');
    expect((await hit("10.0.0.1", "wrong")).headers.get("www-authenticate")).toBe(
      'Bearer realm="arcade", error="invalid_token"',
    );
  });

  it("good tokens do not spend the failure budget", async () => {
    const hit = chain({ authFailures: 2 });
    for (let i = 0; i < 10; i += 1) expect((await hit("10.0.0.3", GOOD)).status).toBe(200);
  });

  it("limits every request of an address before authentication", async () => {
    const hit = chain({ address: 3 });
    expect((await hit("10.0.0.4", null)).status).toBe(401);
    expect((await hit("10.0.0.4", GOOD)).status).toBe(200);
    expect((await hit("10.0.0.4", "x")).status).toBe(401);
    expect((await hit("10.0.0.4", GOOD)).status).toBe(429);
    expect((await hit("10.0.0.5", GOOD)).status).toBe(200);
  });

  it("limits each token after authentication, whatever address it comes from", async () => {
    const hit = chain({ token: 2 });
    expect((await hit("10.0.0.6", GOOD)).status).toBe(200);
    expect((await hit("10.0.0.7", GOOD)).status).toBe(200);
    expect((await hit("10.0.0.8", GOOD)).status).toBe(429);
  });

  it("0 switches a limit off", async () => {
    const hit = chain({});
    for (let i = 0; i < 50; i += 1) expect((await hit("10.0.0.9", "bad")).status).toBe(401);
  });
});
