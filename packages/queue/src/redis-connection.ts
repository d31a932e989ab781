import { Redis, type RedisOptions } from "ioredis";

/** A connection as BullMQ wants it: commands wait through reconnects instead of failing. */
export function createQueueConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}
