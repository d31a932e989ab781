import { AppError } from "@arcade/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import "./context.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit.js";

/** A tiny app: the caller names itself in X-Caller; a limited request answers 429 with retryAfter. */
function limited(options: Omit<RateLimitOptions, "keyOf">) {
  const app = new Hono();
  app.use(rateLimit({ ...options, keyOf: (c) => c.req.header("x-caller") ?? "anonymous" }));
  app.get("/", (c) => c.text("ok"));
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json({ code: error.code, ...error.extras }, 429);
    throw error;
  });
  return async (caller: string) => {
    const res = await app.request("/", { headers: { "x-caller": caller } });
    const body = res.status === 429 ? ((await res.json()) as { code: string; retryAfter: number }) : null;
    return { status: res.status, body };
  };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("rateLimit", () => {
  it("lets perMinute requests through, then answers RATE_LIMITED with a Retry-After in whole seconds", async () => {
    const c = clock();
    const hit = limited({ perMinute: 3, now: c.now });
    for (let i = 0; i < 3; i += 1) expect((await hit("a")).status).toBe(200);
    const denied = await hit("a");
    expect(denied.status).toBe(429);
    expect(denied.body).toEqual({ code: "RATE_LIMITED", retryAfter: 20 });
  });

  it("refills evenly: one request per 60/perMinute seconds", async () => {
    const c = clock();
    const hit = limited({ perMinute: 6, now: c.now });
    for (let i = 0; i < 6; i += 1) await hit("a");
    expect((await hit("a")).status).toBe(429);
    c.advance(9_999);
    expect((await hit("a")).status).toBe(429);
    c.advance(1);
    expect((await hit("a")).status).toBe(200);
    expect((await hit("a")).status).toBe(429);
  });

  it("a denied request does not use up budget, and Retry-After counts down", async () => {
    const c = clock();
    const hit = limited({ perMinute: 1, now: c.now });
    await hit("a");
    expect((await hit("a")).body?.retryAfter).toBe(60);
    c.advance(30_000);
    expect((await hit("a")).body?.retryAfter).toBe(30);
    c.advance(29_500);
    expect((await hit("a")).body?.retryAfter).toBe(1);
    c.advance(500);
    expect((await hit("a")).status).toBe(200);
  });

  it("bursts never exceed the capacity, however long the caller was idle", async () => {
    const c = clock();
    const hit = limited({ perMinute: 2, now: c.now });
    c.advance(3_600_000);
    expect((await hit("a")).status).toBe(200);
    expect((await hit("a")).status).toBe(200);
    expect((await hit("a")).status).toBe(429);
  });

  it("callers have separate buckets", async () => {
    const c = clock();
    const hit = limited({ perMinute: 1, now: c.now });
    expect((await hit("a")).status).toBe(200);
    expect((await hit("a")).status).toBe(429);
    expect((await hit("b")).status).toBe(200);
  });

  it("a clock that goes backwards neither refills nor breaks anything", async () => {
    const c = clock();
    const hit = limited({ perMinute: 1, now: c.now });
    await hit("a");
    c.advance(-3_600_000);
    const denied = await hit("a");
    expect(denied.status).toBe(429);
    expect(denied.body?.retryAfter).toBeGreaterThanOrEqual(1);
  });

  it("perMinute 0 switches the limit off", async () => {
    const hit = limited({ perMinute: 0, now: clock().now });
    for (let i = 0; i < 50; i += 1) expect((await hit("a")).status).toBe(200);
  });

  it("memory stays bounded, and a limited caller is not forgotten while idle callers are", async () => {
    const c = clock();
    const hit = limited({ perMinute: 600, now: c.now, maxKeys: 10 });
    let burst = 0;
    while ((await hit("heavy")).status === 200) burst += 1;
    expect(burst).toBe(600);
    // Many one-off callers; each is full again 100 ms later, so they, not "heavy", make room.
    for (let i = 0; i < 20; i += 1) {
      c.advance(200);
      await hit(`one-off-${i}`);
    }
    // 4 s at 10 a second earned "heavy" 40 requests, not a fresh burst of 600.
    let earned = 0;
    while ((await hit("heavy")).status === 200) earned += 1;
    expect(earned).toBe(40);
  });

  it("when every tracked caller is busy, the least recently seen one goes first", async () => {
    const c = clock();
    const hit = limited({ perMinute: 1, now: c.now, maxKeys: 3 });
    await hit("a");
    await hit("b");
    await hit("c");
    expect((await hit("a")).status).toBe(429); // touches a: b is now the oldest
    await hit("d"); // evicts b
    expect((await hit("a")).status).toBe(429);
    expect((await hit("c")).status).toBe(429);
    expect((await hit("b")).status).toBe(200);
  });
});
