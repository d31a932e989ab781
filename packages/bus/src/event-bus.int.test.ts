import type { PluginChangedEvent } from "@arcade/contracts";
import { AppError, type Logger, silentLogger } from "@arcade/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventSubscriber, type EventSubscriberOptions } from "./event-subscriber.js";
import { RedisEventBus } from "./redis-event-bus.js";
import { deleteByPrefix, eventually, sampleEvent, TEST_REDIS_URL, uniquePrefix } from "./test-helpers.js";

/** A subscriber's view of the world, recorded for assertions. */
class Probe {
  events: PluginChangedEvent[] = [];
  reconnects = 0;
  disconnects = 0;
  warnings: string[] = [];
  readonly logger: Logger = {
    ...silentLogger,
    warn: (a: object | string, b?: string) => {
      this.warnings.push(typeof a === "string" ? a : (b ?? ""));
    },
  };

  options(prefix: string): EventSubscriberOptions {
    return {
      redis: TEST_REDIS_URL,
      prefix,
      logger: this.logger,
      onEvent: (event) => {
        this.events.push(event);
      },
      onReconnect: () => {
        this.reconnects++;
      },
      onDisconnect: () => {
        this.disconnects++;
      },
      redisOptions: { retryStrategy: () => 50 },
    };
  }

  revisions(): number[] {
    return this.events.map((e) => e.revision);
  }
}

describe.skipIf(!TEST_REDIS_URL)("RedisEventBus + EventSubscriber (real Redis)", () => {
  const prefix = uniquePrefix("bus-events");
  let admin: Redis;
  let bus: RedisEventBus;
  const subscribers: EventSubscriber[] = [];

  async function subscriber(probe: Probe, p = prefix): Promise<EventSubscriber> {
    const sub = new EventSubscriber(probe.options(p));
    subscribers.push(sub);
    await sub.start();
    return sub;
  }

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL);
    bus = new RedisEventBus({ redis: admin, prefix });
  });

  afterEach(async () => {
    await Promise.all(subscribers.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await bus.close();
    await deleteByPrefix(admin, prefix);
    await admin.quit();
  });

  it("delivers each event to every subscriber, in order", async () => {
    const probes = [new Probe(), new Probe(), new Probe()];
    for (const probe of probes) await subscriber(probe);

    const events = [1, 2, 3].map((revision) =>
      sampleEvent({ revision, op: revision === 3 ? "disable" : "install" }),
    );
    for (const event of events) {
      expect(await bus.publishCounting(event)).toBe(probes.length);
    }
    for (const probe of probes) {
      await eventually(() => expect(probe.events).toEqual(events));
      expect(probe.reconnects).toBe(0);
      expect(probe.disconnects).toBe(0);
    }
  });

  it("keeps prefixes apart", async () => {
    const mine = new Probe();
    const other = new Probe();
    await subscriber(mine);
    await subscriber(other, uniquePrefix("bus-events-other"));
    await bus.publish(sampleEvent({ revision: 10 }));
    await eventually(() => expect(mine.revisions()).toEqual([10]));
    expect(other.events).toEqual([]);
  });

  it("drops malformed messages with a warning and goes on", async () => {
    const probe = new Probe();
    const sub = await subscriber(probe);
    const channel = sub.names.pluginEvents;
    await admin.publish(channel, "not json at all");
    await admin.publish(channel, JSON.stringify({ revision: "x", op: "explode" }));
    await admin.publish(channel, JSON.stringify([1, 2]));
    await bus.publish(sampleEvent({ revision: 21 }));
    // Messages on one channel arrive in order: once 21 is in, the garbage was handled.
    await eventually(() => expect(probe.revisions()).toEqual([21]));
    expect(probe.warnings.filter((w) => w.includes("malformed"))).toHaveLength(3);
    expect(sub.isLive).toBe(true);
  });

  it("survives an onEvent callback that throws", async () => {
    const probe = new Probe();
    const seen: number[] = [];
    const sub = new EventSubscriber({
      ...probe.options(prefix),
      onEvent: (event) => {
        seen.push(event.revision);
        if (event.revision === 31) throw new Error("boom");
      },
    });
    subscribers.push(sub);
    await sub.start();
    await bus.publish(sampleEvent({ revision: 31 }));
    await bus.publish(sampleEvent({ revision: 32 }));
    await eventually(() => expect(seen).toEqual([31, 32]));
    expect(probe.warnings.some((w) => w.includes("callback failed"))).toBe(true);
  });

  it("after a server-side CLIENT KILL: onDisconnect, onReconnect, and events flow again", async () => {
    const probe = new Probe();
    const bystander = new Probe();
    const sub = await subscriber(probe);
    await subscriber(bystander);
    const firstId = sub.connectionId;
    expect(firstId).not.toBeNull();

    await admin.client("KILL", "ID", String(firstId));
    await eventually(() => expect(probe.reconnects).toBe(1));
    expect(probe.disconnects).toBe(1);
    expect(sub.isLive).toBe(true);
    expect(sub.connectionId).not.toBe(firstId);

    await bus.publish(sampleEvent({ revision: 41 }));
    await eventually(() => expect(probe.revisions()).toEqual([41]));
    // Only the killed connection noticed anything.
    await eventually(() => expect(bystander.revisions()).toEqual([41]));
    expect(bystander.reconnects).toBe(0);
    expect(bystander.disconnects).toBe(0);
  });

  it("events published while its connection is down are missed, and onReconnect says so once it is back", async () => {
    // A real fault through the real Redis (no test hook in the subscriber): the server drops the
    // connection and the client waits before it reconnects, so a publish falls into the gap.
    const probe = new Probe();
    const alone = uniquePrefix("bus-events-gap");
    const sub = new EventSubscriber({ ...probe.options(alone), redisOptions: { retryStrategy: () => 500 } });
    subscribers.push(sub);
    await sub.start();
    const gapBus = new RedisEventBus({ redis: admin, prefix: alone });

    await admin.client("KILL", "ID", String(sub.connectionId));
    await eventually(() => expect(probe.disconnects).toBe(1));
    expect(sub.isLive).toBe(false);
    // Nobody listens on this prefix meanwhile: Redis itself says so.
    expect(await gapBus.publishCounting(sampleEvent({ revision: 51 }))).toBe(0);

    await eventually(() => expect(probe.reconnects).toBe(1));
    expect(sub.isLive).toBe(true);
    await gapBus.publish(sampleEvent({ revision: 52 }));
    await eventually(() => expect(probe.revisions()).toEqual([52]));
  });

  it("stop() ends delivery without callbacks", async () => {
    const probe = new Probe();
    const sub = await subscriber(probe);
    await sub.stop();
    expect(await bus.publishCounting(sampleEvent({ revision: 61 }))).toBe(0);
    expect(probe.disconnects).toBe(0);
    expect(probe.reconnects).toBe(0);
  });

  it("rejects an invalid event before touching Redis", async () => {
    const bad = { ...sampleEvent(), revision: -1 };
    await expect(bus.publish(bad)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("maps an unreachable Redis to a retryable QUEUE_UNAVAILABLE", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { lazyConnect: true, retryStrategy: () => null });
    dead.on("error", () => {});
    const deadBus = new RedisEventBus({
      redis: dead,
      prefix,
      publishTimeoutMs: 2000,
    });
    const error = await deadBus.publish(sampleEvent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("QUEUE_UNAVAILABLE");
    expect((error as AppError).retryable).toBe(true);
  });

  it("start() rejects with QUEUE_UNAVAILABLE when Redis cannot be reached", async () => {
    const probe = new Probe();
    const sub = new EventSubscriber({
      ...probe.options(prefix),
      redis: "redis://127.0.0.1:1",
      startTimeoutMs: 300,
    });
    subscribers.push(sub);
    await expect(sub.start()).rejects.toMatchObject({ code: "QUEUE_UNAVAILABLE" });
    expect(sub.isLive).toBe(false);
  });
});
