import { AppError, type Logger, retryDelay } from "@arcade/core";
import type { Redis } from "ioredis";
import { dedicatedClient, type RedisSource, resolveClient } from "./connection.js";
import { consoleLogger, errorMessage } from "./logger.js";
import { sleep } from "./timeout.js";

const READ_RETRY = { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 100, maxDelayMs: 2000 };

/** One Redis stream entry: its id and its flat field/value list. */
export interface StreamEntry {
  id: string;
  fields: string[];
}

/** A follower's handle: close() stops delivery (entries already handed over stay delivered). */
export interface StreamFollow {
  close(): void;
}

export interface StreamFeedOptions {
  /** Reaches the server; the feed always opens its own blocking connection (and uses a shared one for CLIENT UNBLOCK). */
  redis: RedisSource;
  /** Connection name, for CLIENT LIST. */
  name: string;
  /** Followers at once; follow() beyond it throws RATE_LIMITED. Default 1000. */
  maxFollowers?: number;
  /** Longest single XREAD BLOCK. New followers wake it sooner (CLIENT UNBLOCK). Default 5000 ms. */
  blockMs?: number;
  /** Entries read per stream per round. Default 100. */
  count?: number;
  logger?: Logger;
}

interface Follower {
  key: string;
  /** Id of the last entry handed to this follower: it gets only newer ones. */
  last: string;
  deliver(entries: StreamEntry[]): void;
  /** The feed closed (process shutting down): no more entries will come. */
  closed?: () => void;
}

/**
 * Follows any number of Redis streams over ONE blocking connection: a loop of
 * `XREAD BLOCK ... STREAMS k1 k2 ... id1 id2 ...`, each stream read from the oldest position
 * any of its followers still needs, so every follower gets every entry after its own start, in
 * order, once (followers of one stream at different positions share the read and skip what
 * they had). A new follower interrupts the blocked read (CLIENT UNBLOCK from the shared
 * connection) so its stream joins at once; if that is refused, it joins within blockMs.
 *
 * A lost connection is retried with a backoff, and reading resumes from each follower's last
 * entry: an outage delays entries but loses none that the streams still hold.
 */
export class StreamFeed {
  private readonly options: StreamFeedOptions;
  private readonly logger: Logger;
  private readonly command: Redis;
  private readonly ownsCommand: boolean;
  private blocker: Redis | null = null;
  private blockerId: number | null = null;
  private readonly followers = new Set<Follower>();
  /** Bumped whenever a follower joins; the read in flight was built at `readingGeneration`. */
  private generation = 0;
  private readingGeneration = -1;
  private reading = false;
  private wakeIdle: (() => void) | null = null;
  private running = false;
  private closed = false;
  private unblockRefusedLogged = false;
  private errorLogged = false;

  constructor(options: StreamFeedOptions) {
    this.options = options;
    this.logger = options.logger ?? consoleLogger;
    const { client, owned } = resolveClient(options.redis);
    this.command = client;
    this.ownsCommand = owned;
    if (owned) client.on("error", () => {});
  }

  /** Followers now. */
  get size(): number {
    return this.followers.size;
  }

  /** Delivers every entry of `key` after `afterId` ("0-0": all), as batches in stream order. */
  follow(
    key: string,
    afterId: string,
    deliver: (entries: StreamEntry[]) => void,
    closed?: () => void,
  ): StreamFollow {
    if (this.closed) throw new AppError("QUEUE_UNAVAILABLE", "stream feed closed");
    const max = this.options.maxFollowers ?? 1000;
    if (this.followers.size >= max) {
      throw new AppError("RATE_LIMITED", `too many live streams open on this process (limit ${max})`, {
        detail: "Retry in a few seconds, or read the job with GET /api/v1/jobs/{jobId}.",
        extras: { retryAfterSeconds: 5 },
      });
    }
    const follower: Follower = { key, last: afterId, deliver, ...(closed ? { closed } : {}) };
    this.followers.add(follower);
    this.generation++;
    this.ensureRunning();
    if (this.wakeIdle) {
      this.wakeIdle();
      this.wakeIdle = null;
    } else {
      void this.unblock();
    }
    return { close: () => this.followers.delete(follower) };
  }

  /** Stops the loop and closes the blocking connection (and the shared one if it is ours). */
  async close(): Promise<void> {
    this.closed = true;
    const followers = [...this.followers];
    this.followers.clear();
    for (const follower of followers) follower.closed?.();
    this.wakeIdle?.();
    this.wakeIdle = null;
    const blocker = this.blocker;
    this.blocker = null;
    blocker?.disconnect();
    if (this.ownsCommand) this.command.disconnect();
  }

  private ensureRunning(): void {
    if (this.running) return;
    this.running = true;
    this.loop()
      .catch((error: unknown) => this.logger.error({ err: errorMessage(error) }, "stream feed stopped"))
      .finally(() => {
        this.running = false;
      });
  }

  private connection(): Redis {
    if (this.blocker) return this.blocker;
    const blocker = dedicatedClient(this.options.redis, {
      connectionName: this.options.name,
      lazyConnect: false,
      // A read of a dead connection must fail (and be rebuilt with current positions), not be replayed.
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
    });
    blocker.on("error", () => {});
    blocker.on("close", () => {
      this.blockerId = null;
    });
    this.blocker = blocker;
    return blocker;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (this.followers.size === 0) {
        await new Promise<void>((resolve) => {
          this.wakeIdle = resolve;
        });
        continue;
      }
      const positions = new Map<string, string>();
      for (const f of this.followers) {
        const at = positions.get(f.key);
        if (at === undefined || compareStreamIds(f.last, at) < 0) positions.set(f.key, f.last);
      }
      const keys = [...positions.keys()];
      let reply: [string, [string, string[]][]][] | null;
      try {
        const blocker = this.connection();
        if (this.blockerId === null) this.blockerId = Number(await blocker.client("ID"));
        this.readingGeneration = this.generation;
        this.reading = true;
        reply = (await blocker.xread(
          "COUNT",
          this.options.count ?? 100,
          "BLOCK",
          this.options.blockMs ?? 5000,
          "STREAMS",
          ...keys,
          ...keys.map((key) => positions.get(key) as string),
        )) as [string, [string, string[]][]][] | null;
        failures = 0;
        this.errorLogged = false;
      } catch (error) {
        if (this.closed) return;
        if (!this.errorLogged) {
          this.errorLogged = true;
          this.logger.warn(
            { err: errorMessage(error), name: this.options.name },
            "stream feed: read failed; retrying",
          );
        }
        // The platform's backoff (core's retry rule): 100 ms doubling up to 2 s, for as long as
        // the feed runs.
        failures += 1;
        await sleep(retryDelay(READ_RETRY, failures));
        continue;
      } finally {
        this.reading = false;
      }
      for (const [key, rows] of reply ?? []) {
        const entries = rows.map(([id, fields]) => ({ id, fields }));
        for (const follower of [...this.followers]) {
          if (follower.key !== key) continue;
          const fresh = entries.filter((e) => compareStreamIds(e.id, follower.last) > 0);
          if (fresh.length === 0) continue;
          follower.last = (fresh[fresh.length - 1] as StreamEntry).id;
          try {
            follower.deliver(fresh);
          } catch (error) {
            this.logger.warn({ err: errorMessage(error), key }, "stream feed: a follower failed");
          }
        }
      }
    }
  }

  /**
   * Ends the blocked read so a new follower's stream is part of the next one. CLIENT UNBLOCK
   * answers 0 while the read is still on its way to the server: try again shortly.
   */
  private async unblock(): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      if (this.closed || !this.reading || this.readingGeneration >= this.generation) return;
      const id = this.blockerId;
      if (id === null) return;
      try {
        if (Number(await this.command.client("UNBLOCK", id)) === 1) return;
      } catch (error) {
        if (!this.unblockRefusedLogged) {
          this.unblockRefusedLogged = true;
          this.logger.warn(
            { err: errorMessage(error) },
            "stream feed: CLIENT UNBLOCK refused; new followers join within the read's block time",
          );
        }
        return;
      }
      await sleep(5);
    }
  }
}

/** Orders two stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** A stream id as a client may send it (Last-Event-ID). */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
