import { Redis } from "ioredis";

/**
 * Subscribes to a platform's plugin-event channel (bus/channels.ts: `<prefix>:plugin-events`)
 * and remembers when each pluginId@version event arrived here: the moment the nodes were told.
 */
export class EventWatch {
  private readonly sub: Redis;
  private readonly seen = new Map<string, number>();

  private constructor(redisUrl: string) {
    this.sub = new Redis(redisUrl, { lazyConnect: true });
  }

  static async start(redisUrl: string, redisPrefix: string): Promise<EventWatch> {
    const watch = new EventWatch(redisUrl);
    await watch.sub.connect();
    watch.sub.on("message", (_channel: string, message: string) => {
      const at = Date.now();
      try {
        const event = JSON.parse(message) as { pluginId?: string; version?: string };
        const key = `${event.pluginId}@${event.version}`;
        if (!watch.seen.has(key)) watch.seen.set(key, at);
      } catch {
        // not an event of ours
      }
    });
    await watch.sub.subscribe(`${redisPrefix}:plugin-events`);
    return watch;
  }

  /** Epoch ms when the event for pluginId@version arrived, if it did. */
  at(pluginId: string, version: string): number | undefined {
    return this.seen.get(`${pluginId}@${version}`);
  }

  stop(): void {
    this.sub.disconnect();
  }
}
