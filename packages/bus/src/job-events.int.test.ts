import type { JobEvent, StepName } from "@arcade/contracts";
import { silentLogger } from "@arcade/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobEventEntry, JobEventReader, STREAM_START } from "./job-event-reader.js";
import { RedisJobEventSink } from "./job-event-sink.js";
import { deleteByPrefix, eventually, TEST_REDIS_URL, uniquePrefix } from "./test-helpers.js";

/** The role users of infra/services (the worker writes, the API reads); the admin user elsewhere. */
const WORKER_URL = process.env.ARCADE_TEST_REDIS_WORKER_URL || TEST_REDIS_URL;
const API_URL = process.env.ARCADE_TEST_REDIS_API_URL || TEST_REDIS_URL;

const step = (name: StepName, progress: number): JobEvent => ({
  type: "step",
  step: { name, state: "running", startedAt: "2024-05-01T10:00:00.000Z" },
  progress,
});

describe.skipIf(!TEST_REDIS_URL)(
  "job events: RedisJobEventSink + JobEventReader (real Redis, role users)",
  () => {
    // Under the services' key glob ("arcade*"), so the role users' rights apply as in production.
    const prefix = uniquePrefix("bus-job-events");
    let admin: Redis;
    let sink: RedisJobEventSink;
    let reader: JobEventReader;
    const readerWarnings: string[] = [];

    beforeAll(() => {
      admin = new Redis(TEST_REDIS_URL);
      sink = new RedisJobEventSink({ redis: WORKER_URL, prefix, logger: silentLogger, ttlSeconds: 120 });
      reader = new JobEventReader({
        redis: API_URL,
        prefix,
        maxFollowers: 50,
        logger: {
          ...silentLogger,
          warn: (a: object | string, b?: string) => void readerWarnings.push(b ?? String(a)),
        },
      });
    });

    afterAll(async () => {
      await reader.close();
      await sink.close();
      await deleteByPrefix(admin, prefix);
      await admin.quit();
    });

    function collect(jobId: string, after: string) {
      const seen: JobEventEntry[] = [];
      const follow = reader.follow(jobId, after, (entry) => seen.push(entry));
      return { seen, follow };
    }

    it("appends events to the job's stream with a TTL, and a follower gets those after its position, in order", async () => {
      await sink.publish("job-a", step("fetch", 10));
      const head = await reader.head("job-a");
      expect(head).not.toBe(STREAM_START);
      expect(await admin.ttl(`${prefix}:job-events:job-a`)).toBeGreaterThan(100);

      const { seen, follow } = collect("job-a", head);
      await sink.publish("job-a", step("verify", 20));
      await sink.publish("job-a", { type: "state", state: "running", attempts: 2 });
      await eventually(() => expect(seen.map((e) => e.event.type)).toEqual(["step", "state"]));
      expect(seen[0]?.event).toMatchObject({ step: { name: "verify" } });
      follow.close();
    });

    it("resumes after any position (Last-Event-ID) and reads from the start with STREAM_START", async () => {
      for (const [i, name] of (["fetch", "verify", "inspect"] as const).entries())
        await sink.publish("job-b", step(name, i));
      const all = collect("job-b", STREAM_START);
      await eventually(() => expect(all.seen).toHaveLength(3));
      const resumed = collect("job-b", all.seen[0]?.id as string);
      await eventually(() =>
        expect(resumed.seen.map((e) => e.id)).toEqual(all.seen.slice(1).map((e) => e.id)),
      );
      all.follow.close();
      resumed.follow.close();
    });

    it("serves many followers of many jobs over one connection; each gets its own job's events once", async () => {
      const jobs = Array.from({ length: 8 }, (_, i) => `job-many-${i}`);
      const followers = jobs.flatMap((jobId) => [collect(jobId, STREAM_START), collect(jobId, STREAM_START)]);
      for (const jobId of jobs) {
        await sink.publish(jobId, step("fetch", 1));
        await sink.publish(jobId, { type: "state", state: "running", attempts: 1 });
      }
      await eventually(() => {
        for (const f of followers) expect(f.seen.map((e) => e.event.type)).toEqual(["step", "state"]);
      });
      expect(reader.followers).toBe(followers.length);
      // Joining followers woke the blocked read (the API user may CLIENT UNBLOCK its own reader).
      expect(readerWarnings.filter((w) => w.includes("UNBLOCK"))).toEqual([]);
      for (const f of followers) f.follow.close();
      expect(reader.followers).toBe(0);
    });

    it("a follower that joins while the shared read is blocked wakes it (CLIENT UNBLOCK as the API user)", async () => {
      const first = collect("job-blocked-a", STREAM_START);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the read now blocks on job-blocked-a alone
      const second = collect("job-blocked-b", STREAM_START);
      await sink.publish("job-blocked-b", step("fetch", 1));
      await eventually(() => expect(second.seen).toHaveLength(1));
      expect(readerWarnings.filter((w) => w.includes("UNBLOCK"))).toEqual([]);
      first.follow.close();
      second.follow.close();
    });

    it("refuses a follower beyond the limit with RATE_LIMITED", () => {
      const small = new JobEventReader({ redis: API_URL, prefix, logger: silentLogger, maxFollowers: 1 });
      const first = small.follow("job-x", STREAM_START, () => {});
      expect(() => small.follow("job-y", STREAM_START, () => {})).toThrow(
        expect.objectContaining({ code: "RATE_LIMITED" }),
      );
      first.close();
      return small.close();
    });

    it("never fails the job: publishing to an unreachable Redis resolves (and is logged)", async () => {
      const warnings: string[] = [];
      const unreachable = new Redis("redis://127.0.0.1:1", {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      unreachable.on("error", () => {});
      const dead = new RedisJobEventSink({
        redis: unreachable,
        prefix,
        publishTimeoutMs: 500,
        logger: { ...silentLogger, warn: (_a: object | string, b?: string) => void warnings.push(b ?? "") },
      });
      await expect(dead.publish("job-z", step("fetch", 1))).resolves.toBeUndefined();
      expect(warnings.join()).toContain("could not append");
    });

    it("the API's user cannot write job events", async () => {
      if (API_URL === TEST_REDIS_URL) return;
      const api = new Redis(API_URL);
      await expect(api.xadd(`${prefix}:job-events:job-f`, "*", "event", "{}")).rejects.toThrow(/NOPERM/);
      await api.quit();
    });
  },
);
