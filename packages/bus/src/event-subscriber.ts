import type { PluginChangedEvent } from "@arcade/contracts";
import { AppError, type Logger } from "@arcade/core";
import type { Redis, RedisOptions } from "ioredis";
import { type BusNames, busNames } from "./channels.js";
import { closeClient, dedicatedClient, type RedisSource } from "./connection.js";
import { decodeEvent } from "./event-codec.js";
import { consoleLogger, errorMessage } from "./logger.js";
import { MessageSigner } from "./message-signer.js";

/** Dropped forgeries are logged at most this often (a flood must not flood the log). */
const REFUSED_LOG_EVERY_MS = 60_000;

export interface EventSubscriberOptions {
  /** Used only to reach the server: the subscriber always opens its own connection. */
  redis: RedisSource;
  prefix?: string;
  /** A validated event, in arrival order. Not awaited; a throw or rejection is logged. */
  onEvent(event: PluginChangedEvent): void | Promise<void>;
  /**
   * The subscription is live again after it was lost. Events
   * published meanwhile are gone: reconcile fully. Never fired for the
   * subscription that start() waited for.
   */
  onReconnect?(): void | Promise<void>;
  /** The live subscription was lost; events are not arriving until onReconnect. */
  onDisconnect?(): void | Promise<void>;
  logger?: Logger;
  /** start() rejects with QUEUE_UNAVAILABLE after this long (default 10000 ms); retrying goes on. */
  startTimeoutMs?: number;
  /** Overrides for the dedicated connection, e.g. a faster `retryStrategy` in tests. */
  redisOptions?: Partial<RedisOptions>;
  /** cluster.secret: only events signed with it are taken; others are dropped and logged. */
  clusterSecret?: string;
}

type Settle = { resolve(): void; reject(error: unknown): void };

/**
 * Listens on `<prefix>:plugin-events` over a dedicated connection.
 *
 * Resubscribing is done here, not by ioredis' autoResubscribe: ioredis emits
 * "ready" before its own resubscribe is confirmed, and onReconnect must only fire
 * once events really flow again (otherwise a reconcile started by onReconnect
 * could miss an event published in between). Every subscribe runs on one serial
 * chain so reconnects cannot interleave.
 */
export class EventSubscriber {
  readonly names: BusNames;
  private readonly options: EventSubscriberOptions;
  private readonly logger: Logger;
  private conn: Redis | null = null;
  /** Bumped on every close: work started for an older connection is dropped. */
  private epoch = 0;
  private live = false;
  private stopped = false;
  private clientId: number | null = null;
  private errorLogged = false;
  private ops: Promise<void> = Promise.resolve();
  private startWaiter: Settle | null = null;
  private readonly signer: MessageSigner;
  private refused = 0;
  private refusedLoggedAt = 0;

  constructor(options: EventSubscriberOptions) {
    this.options = options;
    this.names = busNames(options.prefix);
    this.signer = new MessageSigner(options.clusterSecret, this.names.prefix);
    this.logger = options.logger ?? consoleLogger;
  }

  /** True while subscribed. */
  get isLive(): boolean {
    return this.live;
  }

  /** Redis CLIENT ID of the current connection (for diagnostics and fault-injection tests). */
  get connectionId(): number | null {
    return this.clientId;
  }

  /**
   * Connects and subscribes; resolves once events flow. If Redis stays away for
   * startTimeoutMs it rejects with QUEUE_UNAVAILABLE but keeps retrying, and the
   * eventual subscription is announced through onReconnect. Call stop() to give up.
   */
  async start(): Promise<void> {
    if (this.conn) throw new AppError("INTERNAL", "EventSubscriber.start() called twice");
    this.stopped = false;
    const conn = dedicatedClient(this.options.redis, {
      connectionName: `${this.names.pluginEvents}:subscriber`,
      lazyConnect: true,
      autoResubscribe: false,
      // A command from a dead connection must not be replayed on the next one
      // (establish() subscribes each new connection itself), and none may hang the serial chain.
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
      commandTimeout: 5000,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
      ...this.options.redisOptions,
    });
    this.conn = conn;
    conn.on("ready", () => {
      this.errorLogged = false;
      this.enqueue(() => this.establish());
    });
    conn.on("close", () => this.handleClose());
    conn.on("error", (error: unknown) => {
      // One line per outage, not one per reconnect attempt.
      if (this.errorLogged || this.stopped) return;
      this.errorLogged = true;
      this.logger.warn({ err: errorMessage(error) }, "plugin event subscriber: Redis connection error");
    });
    conn.on("message", (channel: string, message: string) => this.handleMessage(channel, message));

    const started = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      this.startWaiter?.reject(
        new AppError("QUEUE_UNAVAILABLE", `Redis unavailable: not subscribed within ${timeoutMs} ms`, {
          detail: "Still retrying in the background; onReconnect fires once the subscription is live.",
        }),
      );
      this.startWaiter = null;
    }, timeoutMs);
    // The first attempt may fail; ioredis keeps retrying and "ready" drives the rest.
    conn.connect().catch(() => {});
    try {
      await started;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Unsubscribes and closes the connection; no callback fires afterwards. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.live = false;
    this.epoch++;
    this.startWaiter?.reject(new AppError("INTERNAL", "EventSubscriber stopped before it was subscribed"));
    this.startWaiter = null;
    const conn = this.conn;
    if (!conn) return;
    await closeClient(conn);
    conn.removeAllListeners();
    conn.on("error", () => {}); // a late socket error of a closed client is not news
    this.conn = null;
    this.clientId = null;
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.ops.then(op).catch((error: unknown) => {
      if (!this.stopped) {
        this.logger.warn({ err: errorMessage(error) }, "plugin event subscriber: (re)subscribe failed");
      }
    });
    this.ops = next;
    return next;
  }

  /** Subscribes on the current connection if it should be and is not yet; runs on the chain. */
  private async establish(): Promise<void> {
    const conn = this.conn;
    const epoch = this.epoch;
    if (!conn || this.stopped || this.live || conn.status !== "ready") return;
    const id = await conn.client("ID");
    if (epoch !== this.epoch) return;
    this.clientId = Number(id);
    await conn.subscribe(this.names.pluginEvents);
    if (epoch !== this.epoch || this.stopped) return;
    this.live = true;
    if (this.startWaiter) {
      this.startWaiter.resolve();
      this.startWaiter = null;
      return;
    }
    this.fire("onReconnect", this.options.onReconnect && (() => this.options.onReconnect?.()));
  }

  private handleClose(): void {
    this.epoch++;
    this.clientId = null;
    if (!this.live) return;
    this.live = false;
    if (!this.stopped)
      this.fire("onDisconnect", this.options.onDisconnect && (() => this.options.onDisconnect?.()));
  }

  private handleMessage(channel: string, message: string): void {
    // Gate on stop only: a message can arrive in the same read as the
    // SUBSCRIBE reply, before establish() has marked the subscription live.
    if (channel !== this.names.pluginEvents || this.stopped) return;
    const payload = this.signer.open("plugin-event", message);
    if (payload === null) {
      this.refuse(message);
      return;
    }
    const decoded = decodeEvent(payload);
    if (!decoded.ok) {
      this.logger.warn(
        { channel, errors: decoded.errors, message: message.slice(0, 500) },
        "plugin event subscriber: dropped a malformed message",
      );
      return;
    }
    const event = decoded.event;
    this.fire("onEvent", () => this.options.onEvent(event));
  }

  /** Counts messages without a valid signature: not from a process that holds the cluster secret. */
  private refuse(message: string): void {
    this.refused += 1;
    const now = Date.now();
    if (now - this.refusedLoggedAt < REFUSED_LOG_EVERY_MS) return;
    this.refusedLoggedAt = now;
    this.logger.warn(
      { channel: this.names.pluginEvents, refused: this.refused, message: message.slice(0, 200) },
      "plugin event subscriber: dropped a message without a valid signature (forged, or from a process with another cluster.secret)",
    );
  }

  /** Messages dropped so far for want of a valid signature. */
  get refusedCount(): number {
    return this.refused;
  }

  private fire(name: string, callback: (() => void | Promise<void>) | undefined): void {
    if (!callback) return;
    const report = (error: unknown) =>
      this.logger.warn(
        { err: errorMessage(error), callback: name },
        "plugin event subscriber: callback failed",
      );
    try {
      Promise.resolve(callback()).catch(report);
    } catch (error) {
      report(error);
    }
  }
}
