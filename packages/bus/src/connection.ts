import { Redis, type RedisOptions } from "ioredis";

/** A shared client (the caller owns it) or a URL (this package owns the client it opens). */
export type RedisSource = Redis | string;

export interface OwnedClient {
  client: Redis;
  /** True when we opened the client and must quit it on close. */
  owned: boolean;
}

export function resolveClient(source: RedisSource, options: RedisOptions = {}): OwnedClient {
  if (typeof source === "string") {
    return { client: new Redis(source, options), owned: true };
  }
  return { client: source, owned: false };
}

/**
 * A new connection to the same server as `source`, for subscriber mode, which
 * cannot share a connection with ordinary commands.
 */
export function dedicatedClient(source: RedisSource, options: RedisOptions): Redis {
  return typeof source === "string" ? new Redis(source, options) : source.duplicate(options);
}

/** Quit politely; fall back to a hard disconnect when the server is gone. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === "end") return;
  // QUIT on a connection that is not up would wait for (or even start) a reconnect.
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
