import { randomBytes } from "node:crypto";
import type { PluginChangedEvent } from "@arcade/contracts";
import type { Redis } from "ioredis";

/** Set by infra/scripts/test.sh; integration suites skip without it. */
export const TEST_REDIS_URL = process.env.ARCADE_TEST_REDIS_URL ?? "";

/** A Redis prefix no other suite (or run) shares. */
export function uniquePrefix(name: string): string {
  return `arcade-test:${name}:${randomBytes(4).toString("hex")}`;
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}

/** Polls until `check` stops throwing; rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

export function sampleEvent(overrides: Partial<PluginChangedEvent> = {}): PluginChangedEvent {
  return {
    revision: 1,
    pluginId: "plugin_slack_k3x9q2",
    op: "install",
    version: "1.0.0",
    checksum: "a".repeat(64),
    jobId: "job-1",
    ...overrides,
  };
}
