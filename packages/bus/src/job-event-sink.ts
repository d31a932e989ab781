import type { JobEvent } from "@arcade/contracts";
import type { JobEventSink, Logger } from "@arcade/core";
import type { Redis } from "ioredis";
import { type BusNames, busNames } from "./channels.js";
import { closeClient, type RedisSource, resolveClient } from "./connection.js";
import { encodeJobEvent } from "./job-event-codec.js";
import { consoleLogger, errorMessage } from "./logger.js";
import { withTimeout } from "./timeout.js";

export interface RedisJobEventSinkOptions {
  /** A shared ioredis client (not closed by us) or a redis:// URL (we open and close it). */
  redis: RedisSource;
  prefix?: string;
  logger?: Logger;
  /** Entries kept per job stream (XADD MAXLEN ~, so a runaway job cannot grow it). Default 1000. */
  maxEntries?: number;
  /** Life of a job's stream after its last event, in seconds (resume window). Default 3600. */
  ttlSeconds?: number;
  /** Bound on one XADD: a slow Redis must not slow the job down. Default 2000 ms. */
  publishTimeoutMs?: number;
}

/**
 * Appends a job's live events to its own Redis stream, `<prefix>:job-events:<jobId>` (XADD with
 * MAXLEN and a TTL renewed on every event), where the API's event streams read them.
 *
 * Best effort by design: the job's row is the record and the events only tell watchers sooner, so
 * a failed append is logged and swallowed; publish() never rejects.
 */
export class RedisJobEventSink implements JobEventSink {
  readonly names: BusNames;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly logger: Logger;
  private readonly maxEntries: number;
  private readonly ttlSeconds: number;
  private readonly publishTimeoutMs: number;

  constructor(options: RedisJobEventSinkOptions) {
    this.names = busNames(options.prefix);
    const { client, owned } = resolveClient(options.redis);
    this.client = client;
    this.owned = owned;
    if (owned) client.on("error", () => {}); // surfaced (and logged) through publish()
    this.logger = options.logger ?? consoleLogger;
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlSeconds = options.ttlSeconds ?? 3600;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2000;
  }

  async publish(jobId: string, event: JobEvent): Promise<void> {
    const key = this.names.jobEvents(jobId);
    try {
      const replies = await withTimeout(
        this.client
          .multi()
          .xadd(key, "MAXLEN", "~", this.maxEntries, "*", "event", encodeJobEvent(event))
          .expire(key, this.ttlSeconds)
          .exec(),
        this.publishTimeoutMs,
        "XADD job event",
      );
      const failure = replies?.find(([error]) => error)?.[0];
      if (!replies || failure) throw failure ?? new Error("transaction aborted");
    } catch (error) {
      this.logger.warn(
        { err: errorMessage(error), jobId, event: event.type },
        "job events: could not append a live event (watchers see it in the job's row instead)",
      );
    }
  }

  /** Quits the connection if this sink opened it; a shared client is left alone. */
  async close(): Promise<void> {
    if (this.owned) await closeClient(this.client);
  }
}
