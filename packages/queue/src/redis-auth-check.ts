import { type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Logger } from "@arcade/core";

/** What a client that sends no credentials gets from the server. */
export type RedisAuthProbe =
  | { state: "requires-auth" }
  | { state: "open" }
  | { state: "unreachable"; detail: string };

/**
 * Asks the Redis server of `url` for a PING on a fresh connection that sends no credentials
 * (same host, port and TLS). `+PONG` means anyone who reaches the server may use it; a `-NOAUTH`
 * (or any other error) means it wants a password. Raw RESP over one socket: a client library
 * would retry, queue and authenticate on its own.
 */
export function probeRedisAuth(url: string, timeoutMs = 3000): Promise<RedisAuthProbe> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(parsed.port || 6379);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: RedisAuthProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket: Socket =
      parsed.protocol === "rediss:"
        ? tlsConnect({ host, port, servername: host }, () => socket.write("PING\r\n"))
        : tcpConnect({ host, port }, () => socket.write("PING\r\n"));
    const timer = setTimeout(
      () => finish({ state: "unreachable", detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (!reply.includes("\r\n")) return;
      finish(reply.startsWith("+PONG") ? { state: "open" } : { state: "requires-auth" });
    });
    socket.on("error", (error) => finish({ state: "unreachable", detail: error.message }));
    socket.on("close", () => finish({ state: "unreachable", detail: "connection closed without an answer" }));
  });
}

export class RedisUnauthenticatedError extends Error {
  constructor(url: string) {
    super(
      `Redis at ${withoutCredentials(url)} answers clients that send no password: anyone who reaches it ` +
        "could rewrite jobs and forge events. Give it ACL users with passwords (infra/services/redis.sh " +
        "does: docs/threat-model.md) and put the credentials in redis.url (ARCADE_REDIS_URL=" +
        "redis://user:password@host:port), or set redis.allow_unauthenticated = true " +
        "(ARCADE_REDIS_ALLOW_UNAUTHENTICATED=true) to run on it anyway.",
    );
    this.name = "RedisUnauthenticatedError";
  }
}

export interface RedisAuthCheckOptions {
  url: string;
  /** redis.allow_unauthenticated: an open Redis is only warned about. */
  allowUnauthenticated: boolean;
  logger: Logger;
  /** How long the start waits for a verdict while Redis does not answer. Default 10 s. */
  startTimeoutMs?: number;
  /** Called when an open Redis is found only after the start (it was down then). Default: exit(2). */
  onLateRefusal?: (error: RedisUnauthenticatedError) => void;
}

/**
 * The start-up rule of redis.allow_unauthenticated: resolves when Redis wants credentials (or
 * when an open one is allowed, with a warning); rejects with RedisUnauthenticatedError when it
 * is open and that is not allowed. A Redis that does not answer within startTimeoutMs does not
 * stop the start (the platform waits for Redis anyway): the check goes on in the background
 * and ends the process if Redis turns out to be open.
 */
export async function checkRedisAuth(options: RedisAuthCheckOptions): Promise<void> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    const probe = await probeRedisAuth(options.url);
    if (probe.state !== "unreachable") return decide(probe.state, options);
    if (Date.now() >= deadline) {
      options.logger.warn(
        { redis: withoutCredentials(options.url), err: probe.detail },
        "could not check whether Redis requires a password (it does not answer); checking again in the background",
      );
      watchInBackground(options);
      return;
    }
    await sleep(500);
  }
}

function decide(state: "requires-auth" | "open", options: RedisAuthCheckOptions): void {
  if (state === "requires-auth") return;
  if (!options.allowUnauthenticated) throw new RedisUnauthenticatedError(options.url);
  options.logger.warn(
    { redis: withoutCredentials(options.url) },
    "Redis answers clients without a password (allowed by redis.allow_unauthenticated = true)",
  );
}

function watchInBackground(options: RedisAuthCheckOptions): void {
  const refuse =
    options.onLateRefusal ??
    ((error: RedisUnauthenticatedError) => {
      options.logger.error({ err: error.message }, "refusing to run on an unauthenticated Redis");
      process.exit(2);
    });
  const timer = setInterval(async () => {
    const probe = await probeRedisAuth(options.url);
    if (probe.state === "unreachable") return;
    clearInterval(timer);
    try {
      decide(probe.state, options);
    } catch (error) {
      refuse(error as RedisUnauthenticatedError);
    }
  }, 5000);
  timer.unref();
}

/** `redis://arcade-api:s3cret@host:6390` -> `redis://host:6390`, for messages. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an unreadable URL)";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
