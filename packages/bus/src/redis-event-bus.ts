import type { PluginChangedEvent } from "@arcade/contracts";
import { AppError, type EventBus } from "@arcade/core";
import type { Redis } from "ioredis";
import { type BusNames, busNames } from "./channels.js";
import { closeClient, type RedisSource, resolveClient } from "./connection.js";
import { encodeEvent } from "./event-codec.js";
import { errorMessage } from "./logger.js";
import { MessageSigner } from "./message-signer.js";
import { withTimeout } from "./timeout.js";

export interface RedisEventBusOptions {
  /** A shared ioredis client (not closed by us) or a redis:// URL (we open and close it). */
  redis: RedisSource;
  prefix?: string;
  /**
   * How long a PUBLISH may wait (ioredis queues commands while reconnecting)
   * before publish() gives up with QUEUE_UNAVAILABLE. Default 5000 ms.
   */
  publishTimeoutMs?: number;
  /** cluster.secret: events are signed with it (HMAC), and nodes with the same secret check them. */
  clusterSecret?: string;
}

/**
 * Publishes PluginChangedEvent on `<prefix>:plugin-events`. The message is only a
 * hint ("look now"): the change is already committed to the database, and nodes
 * that miss the message catch up by reconciling.
 *
 * Errors: an invalid event -> VALIDATION_FAILED; Redis unreachable or timing out ->
 * QUEUE_UNAVAILABLE (the platform's transient "Redis unavailable" code), retryable.
 */
export class RedisEventBus implements EventBus {
  readonly names: BusNames;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly publishTimeoutMs: number;
  private readonly signer: MessageSigner;

  constructor(options: RedisEventBusOptions) {
    this.names = busNames(options.prefix);
    this.signer = new MessageSigner(options.clusterSecret, this.names.prefix);
    const { client, owned } = resolveClient(options.redis);
    this.client = client;
    this.owned = owned;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    // An owned client's connection errors surface through publish(); without a
    // listener ioredis would print every reconnect failure as unhandled.
    if (owned) client.on("error", () => {});
  }

  async publish(event: PluginChangedEvent): Promise<void> {
    await this.publishCounting(event);
  }

  /** As publish(), but answers how many subscribers received the message. */
  async publishCounting(event: PluginChangedEvent): Promise<number> {
    const message = this.signer.seal("plugin-event", encodeEvent(event));
    try {
      // If the timeout wins, the queued PUBLISH may still go out later; that is
      // harmless because the message is an idempotent "look now".
      return await withTimeout(
        this.client.publish(this.names.pluginEvents, message),
        this.publishTimeoutMs,
        "PUBLISH",
      );
    } catch (error) {
      throw new AppError(
        "QUEUE_UNAVAILABLE",
        `Redis unavailable: could not publish plugin event (revision ${event.revision})`,
        {
          detail: `${errorMessage(error)}. Nodes will still converge on their next reconcile; retry the step.`,
          cause: error,
        },
      );
    }
  }

  /** Quits the connection if this bus opened it; a shared client is left alone. */
  async close(): Promise<void> {
    if (this.owned) await closeClient(this.client);
  }
}
