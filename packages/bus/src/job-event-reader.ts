import type { JobEvent } from "@arcade/contracts";
import { AppError, type Logger } from "@arcade/core";
import type { Redis } from "ioredis";
import { type BusNames, busNames } from "./channels.js";
import { type RedisSource, resolveClient } from "./connection.js";
import { decodeJobEvent } from "./job-event-codec.js";
import { consoleLogger, errorMessage } from "./logger.js";
import { type StreamEntry, StreamFeed, type StreamFollow } from "./stream-feed.js";
import { withTimeout } from "./timeout.js";

/** One event as read from a job's stream, with the id that resumes after it. */
export interface JobEventEntry {
  id: string;
  event: JobEvent;
}

export interface JobEventReaderOptions {
  /** A shared ioredis client (not closed by us) or a redis:// URL; the reader adds one blocking connection. */
  redis: RedisSource;
  prefix?: string;
  /** Live followers (event streams and waits) this process serves at once. Default 500. */
  maxFollowers?: number;
  /** Bound on one non-blocking Redis call. Default 5000 ms. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

/** Stream position before any entry: reading after it reads everything. */
export const STREAM_START = "0-0";

/**
 * Reads the job event streams the worker's RedisJobEventSink writes: where a job's stream ends
 * now (head), and every event after a position as it is appended (follow), over one shared
 * blocking connection for all followers of this process.
 */
export class JobEventReader {
  readonly names: BusNames;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly feed: StreamFeed;
  private readonly logger: Logger;
  private readonly commandTimeoutMs: number;

  constructor(options: JobEventReaderOptions) {
    this.names = busNames(options.prefix);
    const { client, owned } = resolveClient(options.redis);
    this.client = client;
    this.owned = owned;
    if (owned) client.on("error", () => {});
    this.logger = options.logger ?? consoleLogger;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.feed = new StreamFeed({
      redis: client,
      name: `${this.names.jobEventsPrefix}reader`,
      maxFollowers: options.maxFollowers ?? 500,
      logger: this.logger,
    });
  }

  /** Followers now (for metrics and tests). */
  get followers(): number {
    return this.feed.size;
  }

  /**
   * The id of the newest entry of the job's stream (STREAM_START when it has none): what is
   * appended after this call comes after it. QUEUE_UNAVAILABLE when Redis does not answer.
   */
  async head(jobId: string): Promise<string> {
    try {
      const rows = (await withTimeout(
        this.client.xrevrange(this.names.jobEvents(jobId), "+", "-", "COUNT", 1),
        this.commandTimeoutMs,
        "XREVRANGE job events",
      )) as [string, string[]][];
      return rows[0]?.[0] ?? STREAM_START;
    } catch (error) {
      throw new AppError("QUEUE_UNAVAILABLE", "Redis unavailable: cannot read the job's live events", {
        detail: errorMessage(error),
        cause: error,
      });
    }
  }

  /** The events of the job's stream after `afterId` now (at most `count`), without waiting. */
  async range(jobId: string, afterId: string, count = 1000): Promise<JobEventEntry[]> {
    try {
      const rows = (await withTimeout(
        this.client.xrange(this.names.jobEvents(jobId), `(${afterId}`, "+", "COUNT", count),
        this.commandTimeoutMs,
        "XRANGE job events",
      )) as [string, string[]][];
      return rows.flatMap(([id, fields]) => {
        const event = decodeJobEvent(fields);
        return event ? [{ id, event }] : [];
      });
    } catch (error) {
      throw new AppError("QUEUE_UNAVAILABLE", "Redis unavailable: cannot read the job's live events", {
        detail: errorMessage(error),
        cause: error,
      });
    }
  }

  /**
   * Calls `onEvent` for every event of the job after `afterId`, in order, as each arrives, until
   * close(); `onClosed` when the reader itself closes (shutdown). RATE_LIMITED when this process
   * already serves maxFollowers.
   */
  follow(
    jobId: string,
    afterId: string,
    onEvent: (entry: JobEventEntry) => void,
    onClosed?: () => void,
  ): StreamFollow {
    const deliver = (entries: StreamEntry[]) => {
      for (const { id, fields } of entries) {
        const event = decodeJobEvent(fields);
        if (event) onEvent({ id, event });
        else this.logger.warn({ jobId, id }, "job events: skipped an entry that is not a job event");
      }
    };
    return this.feed.follow(this.names.jobEvents(jobId), afterId, deliver, onClosed);
  }

  async close(): Promise<void> {
    await this.feed.close();
    if (this.owned) this.client.disconnect();
  }
}
